/**
 * The one write path for messages: message row + recipient rows in a single D1 batch (atomic), FTS
 * kept in step by triggers. Policy (contacts, names, visibility) is decided by callers before this runs;
 * system notices (contact intros, claim force-release notes) call it directly and bypass contact policy.
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { messageRecipients, messages, type Db } from "../db";
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

/** D1 binds at most 100 parameters per statement; a recipient row binds three. */
const RECIPIENT_ROWS_PER_STATEMENT = 30;

/** Subjects longer than this are cut (the original's limit; mail clients truncate anyway). */
export const SUBJECT_MAX_CHARS = 200;

/** Writes one message atomically; see storeMessages. */
export async function storeMessage(db: Db, message: NewMessage): Promise<StoredMessage> {
  const [stored] = await storeMessages(db, [message]);
  return stored!;
}

/**
 * Writes messages and their recipients in one D1 batch (one transaction: all or nothing); the sender's
 * last_active_ts is kept fresh by requireActingAgent. Each message's recipient rows follow its INSERT in the batch and take its id
 * from max(id), so no round trip is needed between them.
 */
export async function storeMessages(db: Db, list: readonly NewMessage[]): Promise<StoredMessage[]> {
  const now = nowIso();
  const statements: BatchItem<"sqlite">[] = [];
  const insertPositions: number[] = [];
  for (const message of list) {
    const createdTs = message.createdTs ?? now;
    insertPositions.push(statements.length);
    statements.push(
      db
        .insert(messages)
        .values({
          projectId: message.projectId,
          senderId: message.senderId,
          threadId: message.threadId ?? null,
          topic: message.topic ?? null,
          subject: message.subject.slice(0, SUBJECT_MAX_CHARS),
          bodyMd: message.bodyMd,
          importance: message.importance ?? "normal",
          ackRequired: message.ackRequired ?? false,
          attachments: JSON.stringify(message.attachments ?? []),
          createdTs,
        })
        .returning({ id: messages.id, createdTs: messages.createdTs }),
    );
    for (const rows of chunk(dedupeRecipients(message.recipients), RECIPIENT_ROWS_PER_STATEMENT)) {
      statements.push(
        db.insert(messageRecipients).values(
          rows.map((r) => ({
            // A batch is one transaction on a single-writer database, so the newest message id is ours.
            messageId: sql`(SELECT max(${messages.id}) FROM ${messages})`,
            agentId: r.agentId,
            kind: r.kind,
            createdTs,
          })),
        ),
      );
    }
  }
  const results = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[];
  return insertPositions.map((position) => {
    const [row] = results[position] as Array<{ id: number; createdTs: string }>;
    return { id: row!.id, created_ts: row!.createdTs };
  });
}

/** One row per agent; the strongest visibility wins (to over cc over bcc). */
function dedupeRecipients(recipients: NewMessage["recipients"]): Array<{ agentId: number; kind: RecipientKind }> {
  const rank: Record<RecipientKind, number> = { to: 0, cc: 1, bcc: 2 };
  const byAgent = new Map<number, RecipientKind>();
  for (const r of recipients) {
    const current = byAgent.get(r.agentId);
    if (current === undefined || rank[r.kind] < rank[current]) byAgent.set(r.agentId, r.kind);
  }
  return [...byAgent].map(([agentId, kind]) => ({ agentId, kind }));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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
  /** The message as stored, named as its project sees it, when the sender has it at hand (saves a re-read). */
  message?: DeliveredMessage;
}

/** A stored message with names instead of ids: what downstream copies (the archive) are made from. */
export interface DeliveredMessage {
  id: number;
  project: { slug: string; human_key: string };
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body_md: string;
  importance: string;
  ack_required: boolean;
  thread_id: string | null;
  topic: string | null;
  created_ts: string;
  attachments: unknown[];
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
