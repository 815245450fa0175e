/**
 * Read and acknowledgement receipts. Each is one conditional UPDATE (… WHERE read_ts IS NULL) plus a read
 * of the row in the same D1 batch, so concurrent and repeated calls all return the first timestamp.
 */
import type { Db } from "../db";
import { nowIso } from "../shared/time";
import type { ActingAgent } from "./agents";
import { rawBatch, type Statement } from "./raw";
import { notVisible } from "./visibility";

interface ReceiptRow {
  read_ts: string | null;
  ack_ts: string | null;
}

export async function markMessageRead(
  db: Db,
  acting: ActingAgent,
  messageId: number,
): Promise<{ message_id: number; read: boolean; read_at: string | null }> {
  const now = nowIso();
  const row = await applyReceipt(
    db,
    acting,
    messageId,
    ["UPDATE message_recipients SET read_ts = ? WHERE message_id = ? AND agent_id = ? AND read_ts IS NULL", now, messageId, acting.agent.id],
  );
  return row ? { message_id: messageId, read: true, read_at: row.read_ts } : { message_id: messageId, read: false, read_at: null };
}

export async function acknowledgeMessage(
  db: Db,
  acting: ActingAgent,
  messageId: number,
): Promise<{ message_id: number; acknowledged: boolean; acknowledged_at: string | null; read_at: string | null }> {
  const now = nowIso();
  const row = await applyReceipt(
    db,
    acting,
    messageId,
    [
      "UPDATE message_recipients SET ack_ts = ?, read_ts = coalesce(read_ts, ?) WHERE message_id = ? AND agent_id = ? AND ack_ts IS NULL",
      now,
      now,
      messageId,
      acting.agent.id,
    ],
  );
  return row
    ? { message_id: messageId, acknowledged: true, acknowledged_at: row.ack_ts, read_at: row.read_ts }
    : { message_id: messageId, acknowledged: false, acknowledged_at: null, read_at: null };
}

/**
 * Runs the update and reads the receipt back atomically. No receipt row: the sender (not a recipient)
 * gets `undefined` (read:false, as in the original); anyone else gets NOT_FOUND.
 */
async function applyReceipt(db: Db, acting: ActingAgent, messageId: number, update: Statement): Promise<ReceiptRow | undefined> {
  const [, receipts, sent] = await rawBatch<[unknown[], ReceiptRow[], Array<{ id: number }>]>(db, [
    update,
    ["SELECT read_ts, ack_ts FROM message_recipients WHERE message_id = ? AND agent_id = ?", messageId, acting.agent.id],
    ["SELECT id FROM messages WHERE id = ? AND sender_id = ?", messageId, acting.agent.id],
  ]);
  const receipt = receipts[0];
  if (receipt) return receipt;
  if (sent.length > 0) return undefined;
  throw notVisible(messageId);
}
