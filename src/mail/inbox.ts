/**
 * Reading mail without changing it: fetch_inbox (and the views built on it) and the outbox. Nothing here
 * marks anything read; that is mark_message_read / acknowledge_message, so a look never hides mail.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db";
import { AppError } from "../shared/errors";
import { parseIsoTimestamp } from "../shared/time";
import type { ActingAgent } from "./agents";

export const INBOX_DEFAULT_LIMIT = 20;
/** Larger limits are capped here rather than refused (the original's behaviour). */
export const INBOX_MAX_LIMIT = 1000;

export interface InboxFilter {
  sinceTs?: string | undefined;
  urgentOnly?: boolean | undefined;
  unreadOnly?: boolean | undefined;
  topic?: string | undefined;
  includeBodies?: boolean | undefined;
  limit?: number | undefined;
  /** ack_required and not yet acknowledged (views). */
  ackPending?: boolean | undefined;
  /** Only messages created before this ISO time (ack-overdue view). */
  olderThan?: string | undefined;
}

export interface InboxItem {
  id: number;
  subject: string;
  from: string;
  from_project?: string;
  created_ts: string;
  importance: string;
  ack_required: boolean;
  thread_id: string | null;
  topic: string | null;
  kind: string;
  read_ts: string | null;
  ack_ts: string | null;
  body_md?: string;
}

/** 1…1000; larger is capped; 0 or negative → INVALID_LIMIT. */
export function normalizeLimit(limit: number | undefined, fallback = INBOX_DEFAULT_LIMIT): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new AppError("INVALID_LIMIT", `limit must be a whole number from 1 to ${INBOX_MAX_LIMIT} (larger values are capped); got ${limit}.`, {
      field: "limit",
    });
  }
  return Math.min(limit, INBOX_MAX_LIMIT);
}

interface InboxRow {
  id: number;
  subject: string;
  sender: string;
  from_project: string | null;
  created_ts: string;
  importance: string;
  ack_required: number;
  thread_id: string | null;
  topic: string | null;
  kind: string;
  read_ts: string | null;
  ack_ts: string | null;
  body_md?: string;
}

/** Newest first; the sender's own sends appear only if it addressed itself. */
export async function fetchInbox(db: Db, acting: ActingAgent, filter: InboxFilter = {}): Promise<InboxItem[]> {
  const limit = normalizeLimit(filter.limit);
  const conditions: SQL[] = [sql`r.agent_id = ${acting.agent.id}`];
  if (filter.sinceTs !== undefined) {
    conditions.push(sql`r.created_ts > ${parseIsoTimestamp(filter.sinceTs, "since_ts").toISOString()}`);
  }
  if (filter.olderThan !== undefined) conditions.push(sql`r.created_ts < ${filter.olderThan}`);
  if (filter.unreadOnly) conditions.push(sql`r.read_ts IS NULL`);
  if (filter.ackPending) conditions.push(sql`m.ack_required = 1 AND r.ack_ts IS NULL`);
  if (filter.urgentOnly) conditions.push(sql`m.importance IN ('high', 'urgent')`);
  if (filter.topic !== undefined && filter.topic !== "") conditions.push(sql`m.topic = ${filter.topic} COLLATE NOCASE`);
  const body = filter.includeBodies ? sql`, m.body_md` : sql``;
  const rows = await db.all<InboxRow>(sql`
    SELECT m.id, m.subject, s.name AS sender,
      CASE WHEN s.project_id <> m.project_id THEN (SELECT slug FROM projects WHERE id = s.project_id) END AS from_project,
      m.created_ts, m.importance, m.ack_required, m.thread_id, m.topic, r.kind, r.read_ts, r.ack_ts ${body}
    FROM message_recipients r
    JOIN messages m ON m.id = r.message_id
    JOIN agents s ON s.id = m.sender_id
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY r.created_ts DESC, r.message_id DESC
    LIMIT ${limit}`);
  return rows.map((row) => {
    const item: InboxItem = {
      id: row.id,
      subject: row.subject,
      from: row.sender,
      created_ts: row.created_ts,
      importance: row.importance,
      ack_required: Boolean(row.ack_required),
      thread_id: row.thread_id,
      topic: row.topic,
      kind: row.kind,
      read_ts: row.read_ts,
      ack_ts: row.ack_ts,
    };
    if (row.from_project) item.from_project = row.from_project;
    if (filter.includeBodies) item.body_md = row.body_md ?? "";
    return item;
  });
}

export interface OutboxItem {
  id: number;
  subject: string;
  created_ts: string;
  importance: string;
  ack_required: boolean;
  thread_id: string | null;
  topic: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  body_md?: string;
}

/** Messages the agent sent, newest first, with every recipient (the sender sees its own bcc). */
export async function fetchOutbox(
  db: Db,
  acting: ActingAgent,
  filter: { sinceTs?: string | undefined; limit?: number | undefined; includeBodies?: boolean | undefined } = {},
): Promise<OutboxItem[]> {
  const limit = normalizeLimit(filter.limit);
  const since = filter.sinceTs === undefined ? sql`` : sql`AND m.created_ts > ${parseIsoTimestamp(filter.sinceTs, "since_ts").toISOString()}`;
  const body = filter.includeBodies ? sql`, m.body_md` : sql``;
  const rows = await db.all<Omit<InboxRow, "sender" | "from_project" | "kind" | "read_ts" | "ack_ts">>(sql`
    SELECT m.id, m.subject, m.created_ts, m.importance, m.ack_required, m.thread_id, m.topic ${body}
    FROM messages m WHERE m.sender_id = ${acting.agent.id} ${since}
    ORDER BY m.created_ts DESC, m.id DESC LIMIT ${limit}`);
  if (rows.length === 0) return [];
  const recipients = await db.all<{ message_id: number; kind: string; name: string; project_id: number; slug: string }>(sql`
    SELECT r.message_id, r.kind, a.name, a.project_id, p.slug
    FROM message_recipients r JOIN agents a ON a.id = r.agent_id JOIN projects p ON p.id = a.project_id
    WHERE r.message_id IN (SELECT value FROM json_each(${JSON.stringify(rows.map((r) => r.id))}))
    ORDER BY a.name`);
  return rows.map((row) => {
    const mine = recipients.filter((r) => r.message_id === row.id);
    const names = (kind: string) =>
      mine.filter((r) => r.kind === kind).map((r) => (r.project_id === acting.project.id ? r.name : `${r.name}@${r.slug}`));
    const item: OutboxItem = {
      id: row.id,
      subject: row.subject,
      created_ts: row.created_ts,
      importance: row.importance,
      ack_required: Boolean(row.ack_required),
      thread_id: row.thread_id,
      topic: row.topic,
      to: names("to"),
      cc: names("cc"),
      bcc: names("bcc"),
    };
    if (filter.includeBodies) item.body_md = row.body_md ?? "";
    return item;
  });
}
