/**
 * What an agent may see of a message: only messages it sent or received (to/cc/bcc); anything else is
 * NOT_FOUND, indistinguishable from a missing id. Bcc recipients are shown to the sender only.
 */
import type { Db } from "../db";
import { AppError } from "../shared/errors";
import type { ActingAgent } from "./agents";
import type { RecipientKind } from "./delivery";
import { rawBatch } from "./raw";

export interface VisibleMessage {
  id: number;
  projectId: number;
  senderId: number;
  from: string;
  /** How the viewer addresses the sender: `Name`, or `Name@slug` across projects. */
  fromAddress: string;
  fromProject: string | null;
  threadId: string | null;
  topic: string | null;
  subject: string;
  bodyMd: string;
  importance: string;
  ackRequired: boolean;
  createdTs: string;
  attachments: unknown[];
  to: string[];
  cc: string[];
  /** Only for the sender; empty for everyone else. */
  bcc: string[];
  /** The viewer's own recipient row, if it is a recipient. */
  viewer: { kind: RecipientKind; readTs: string | null; ackTs: string | null } | null;
}

export function notVisible(messageId: number): AppError {
  return new AppError(
    "NOT_FOUND",
    `Message ${messageId} not found or not visible to you (agents see only messages they sent or received). Check the id with fetch_inbox.`,
    { message_id: messageId },
  );
}

interface HeadRow {
  id: number;
  project_id: number;
  sender_id: number;
  thread_id: string | null;
  topic: string | null;
  subject: string;
  body_md: string;
  importance: string;
  ack_required: number;
  created_ts: string;
  attachments: string;
  sender_name: string;
  sender_project_id: number;
  sender_slug: string;
}

interface RecipientRow {
  agent_id: number;
  kind: RecipientKind;
  read_ts: string | null;
  ack_ts: string | null;
  name: string;
  project_id: number;
  slug: string;
}

export async function loadVisibleMessage(db: Db, acting: ActingAgent, messageId: number): Promise<VisibleMessage> {
  // Explicit aliases: several joined tables share column names (id, project_id).
  const [heads, recipients] = await rawBatch<[HeadRow[], RecipientRow[]]>(db, [
    [
      `SELECT m.id, m.project_id, m.sender_id, m.thread_id, m.topic, m.subject, m.body_md, m.importance, m.ack_required,
              m.created_ts, m.attachments, s.name AS sender_name, s.project_id AS sender_project_id, p.slug AS sender_slug
       FROM messages m JOIN agents s ON s.id = m.sender_id JOIN projects p ON p.id = s.project_id
       WHERE m.id = ?`,
      messageId,
    ],
    [
      `SELECT r.agent_id, r.kind, r.read_ts, r.ack_ts, a.name, a.project_id, p.slug
       FROM message_recipients r JOIN agents a ON a.id = r.agent_id JOIN projects p ON p.id = a.project_id
       WHERE r.message_id = ? ORDER BY a.name`,
      messageId,
    ],
  ]);
  const head = heads[0];
  if (!head) throw notVisible(messageId);
  const own = recipients.find((r) => r.agent_id === acting.agent.id);
  const isSender = head.sender_id === acting.agent.id;
  if (!isSender && !own) throw notVisible(messageId);
  const label = (name: string, projectId: number, slug: string) => (projectId === acting.project.id ? name : `${name}@${slug}`);
  const names = (kind: RecipientKind) => recipients.filter((r) => r.kind === kind).map((r) => label(r.name, r.project_id, r.slug));
  return {
    id: head.id,
    projectId: head.project_id,
    senderId: head.sender_id,
    from: head.sender_name,
    fromAddress: label(head.sender_name, head.sender_project_id, head.sender_slug),
    fromProject: head.sender_project_id === head.project_id ? null : head.sender_slug,
    threadId: head.thread_id,
    topic: head.topic,
    subject: head.subject,
    bodyMd: head.body_md,
    importance: head.importance,
    ackRequired: Boolean(head.ack_required),
    createdTs: head.created_ts,
    attachments: parseAttachments(head.attachments),
    to: names("to"),
    cc: names("cc"),
    bcc: isSender ? names("bcc") : [],
    viewer: own ? { kind: own.kind, readTs: own.read_ts, ackTs: own.ack_ts } : null,
  };
}

export function parseAttachments(json: string): unknown[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

/** The message as the resource://message view and macros return it. */
export function messageView(m: VisibleMessage): Record<string, unknown> {
  return {
    id: m.id,
    subject: m.subject,
    body_md: m.bodyMd,
    from: m.from,
    ...(m.fromProject ? { from_project: m.fromProject } : {}),
    to: m.to,
    cc: m.cc,
    bcc: m.bcc,
    importance: m.importance,
    ack_required: m.ackRequired,
    thread_id: m.threadId,
    topic: m.topic,
    created_ts: m.createdTs,
    attachments: m.attachments,
    ...(m.viewer ? { kind: m.viewer.kind, read_ts: m.viewer.readTs, ack_ts: m.viewer.ackTs } : {}),
  };
}
