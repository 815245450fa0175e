/**
 * The one write path for messages: message row + recipient rows in a single D1 batch (atomic), FTS
 * kept in step by triggers. Policy (contacts, names, visibility) is decided by callers before this runs;
 * system notices (contact intros, claim force-release notes) call it directly and bypass contact policy.
 */
import type { Db } from "../db";
import { nowIso } from "../shared/time";

export type RecipientKind = "to" | "cc" | "bcc";

export interface NewMessage {
  projectId: number;
  senderId: number;
  recipients: ReadonlyArray<{ agentId: number; kind: RecipientKind }>;
  subject: string;
  bodyMd: string;
  importance?: string;
  ackRequired?: boolean;
  threadId?: string | null;
  topic?: string | null;
  /** Attachment descriptors (stored as JSON); none by default. */
  attachments?: readonly unknown[];
  /** Defaults to now; a batch of per-project copies passes one shared time. */
  createdTs?: string;
}

export interface StoredMessage {
  id: number;
  created_ts: string;
}

/** Subjects longer than this are cut (the original's limit; mail clients truncate anyway). */
export const SUBJECT_MAX_CHARS = 200;

/** Writes one message atomically; see storeMessages. */
export async function storeMessage(db: Db, message: NewMessage): Promise<StoredMessage> {
  const [stored] = await storeMessages(db, [message]);
  return stored!;
}

// The send path's one write, as plain SQL on the raw binding: no query building per call.
const INSERT_MESSAGE = `INSERT INTO messages (project_id, sender_id, thread_id, topic, subject, body_md, importance, ack_required, attachments, created_ts)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, created_ts`;
// A batch is one transaction on a single-writer database, so the newest message id is the one just inserted.
// All recipients go in one statement (json_each), whatever their number: D1 binds at most 100 parameters.
const INSERT_RECIPIENTS = `INSERT INTO message_recipients (message_id, agent_id, kind, created_ts)
  SELECT (SELECT max(id) FROM messages), json_extract(value, '$[0]'), json_extract(value, '$[1]'), ? FROM json_each(?)`;

/**
 * Writes messages and their recipients in one D1 batch (one transaction: all or nothing); the sender's
 * last_active_ts is kept fresh by requireActingAgent. Each message's recipient rows follow its INSERT in the batch
 * and take its id from max(id), so no round trip is needed between them.
 */
export async function storeMessages(db: Db, list: readonly NewMessage[]): Promise<StoredMessage[]> {
  const d1 = db.$client;
  const now = nowIso();
  const statements: D1PreparedStatement[] = [];
  for (const message of list) {
    const createdTs = message.createdTs ?? now;
    statements.push(
      d1.prepare(INSERT_MESSAGE).bind(
        message.projectId,
        message.senderId,
        message.threadId ?? null,
        message.topic ?? null,
        message.subject.slice(0, SUBJECT_MAX_CHARS),
        message.bodyMd,
        message.importance ?? "normal",
        message.ackRequired ? 1 : 0,
        JSON.stringify(message.attachments ?? []),
        createdTs,
      ),
      d1.prepare(INSERT_RECIPIENTS).bind(createdTs, JSON.stringify([...strongestKinds(message.recipients, (r) => r.agentId)])),
    );
  }
  const results = await d1.batch<{ id: number; created_ts: string }>(statements);
  // Statements alternate message, recipients: the message rows are at the even positions.
  return list.map((_, i) => {
    const row = results[2 * i]!.results[0]!;
    return { id: row.id, created_ts: row.created_ts };
  });
}

const KIND_RANK: Record<RecipientKind, number> = { to: 0, cc: 1, bcc: 2 };

/** One entry per recipient (by `keyOf`); the strongest visibility wins (to over cc over bcc). */
export function strongestKinds<T extends { kind: RecipientKind }, K>(recipients: readonly T[], keyOf: (r: T) => K): Map<K, RecipientKind> {
  const byKey = new Map<K, RecipientKind>();
  for (const r of recipients) {
    const key = keyOf(r);
    const current = byKey.get(key);
    if (current === undefined || KIND_RANK[r.kind] < KIND_RANK[current]) byKey.set(key, r.kind);
  }
  return byKey;
}

/**
 * Tells subscribed clients that new mail arrived (push, see notifications). Delivery never depends on it:
 * a failed notification loses a nudge, never a message. Called for every stored message, with
 * `agentIds` = the recipients listening right now (possibly none): wrappers also archive the message.
 */
export interface InboxNotifier {
  notify(event: DeliveryEvent): Promise<void>;
}

export interface DeliveryEvent {
  projectId: number;
  agentIds: readonly number[];
  messageId: number;
  createdTs: string;
  /** The project the message was stored in, when the sender has it at hand (saves looking it up by id). */
  project?: { id: number; slug: string; human_key: string };
}

export interface SystemNotice {
  projectId: number;
  /** The agent the notice is from (e.g. the one that force-released a claim). */
  fromAgentId: number;
  toAgentIds: readonly number[];
  subject: string;
  bodyMd: string;
  importance?: string;
  ackRequired?: boolean;
  threadId?: string | null;
  topic?: string | null;
}

/**
 * A message written on the server's initiative (contact intros, claim force-release notes). It bypasses
 * contact policy, as the original's system notices do, and is otherwise an ordinary message.
 */
export async function sendSystemMessage(db: Db, notice: SystemNotice, notifier?: InboxNotifier): Promise<StoredMessage> {
  const stored = await storeMessage(db, {
    projectId: notice.projectId,
    senderId: notice.fromAgentId,
    recipients: notice.toAgentIds.map((agentId) => ({ agentId, kind: "to" as const })),
    subject: notice.subject,
    bodyMd: notice.bodyMd,
    importance: notice.importance ?? "normal",
    ackRequired: notice.ackRequired ?? false,
    threadId: notice.threadId ?? null,
    topic: notice.topic ?? null,
  });
  await notifier
    ?.notify({ projectId: notice.projectId, agentIds: notice.toAgentIds, messageId: stored.id, createdTs: stored.created_ts })
    .catch(() => undefined);
  return stored;
}
