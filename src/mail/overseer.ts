/**
 * The human overseer's view of a project's mail (the dashboard): any agent's inbox and outbox, whole
 * threads and project-wide search, without the per-agent visibility rule, but never revealing Bcc (only a
 * message's sender may see those). And the overseer's one write: a message from "Overseer", which bypasses
 * contact policy and is always high importance.
 */
import { and, eq, sql } from "drizzle-orm";
import { agents, type Db } from "../db";
import { sha256Hex } from "../shared/crypto";
import { AppError } from "../shared/errors";
import { randomToken } from "../shared/ids";
import { nowIso } from "../shared/time";
import { resolveRecipients } from "./addresses";
import { loadAgent, type ActingAgent } from "./agents";
import { sendSystemMessage, type InboxNotifier, type StoredMessage } from "./delivery";
import { fetchInbox, fetchOutbox, type InboxItem, type OutboxItem } from "./inbox";
import { nameKeyOf } from "./names";
import { resolveProject, type Project } from "./projects";
import { fallbackFtsQuery, prepareFtsQuery, type SearchHit } from "./search";
import { validateThreadId } from "./send";

/** The sender name of overseer messages, and the program that marks its agent row as ours. */
export const OVERSEER_NAME = "Overseer";
const OVERSEER_PROGRAM = "pigeonhole-dashboard";
/** Rows a dashboard list shows; enough to scan, bounded for D1. */
const OVERSEER_LIST_LIMIT = 100;
const THREAD_MESSAGE_LIMIT = 500;

export async function overseerMailbox(
  db: Db,
  projectKey: string,
  agentName: string,
  box: "inbox" | "outbox",
): Promise<{ acting: ActingAgent; inbox?: InboxItem[]; outbox?: OutboxItem[] }> {
  const { project, row } = await loadAgent(db, projectKey, agentName);
  const acting: ActingAgent = { project, agent: { id: row.id, name: row.name } };
  if (box === "inbox") return { acting, inbox: await fetchInbox(db, acting, { limit: OVERSEER_LIST_LIMIT }) };
  const outbox = await fetchOutbox(db, acting, { limit: OVERSEER_LIST_LIMIT });
  // The overseer is not the sender: Bcc stays hidden here too.
  return { acting, outbox: outbox.map((m) => ({ ...m, bcc: [] })) };
}

export interface ThreadMessage {
  id: number;
  subject: string;
  from: string;
  to: string[];
  cc: string[];
  importance: string;
  ack_required: boolean;
  thread_id: string | null;
  created_ts: string;
  body_md: string;
}

/** A thread by id; a message that started one without an id is thread "<its id>", as replies record it. */
export async function overseerThread(db: Db, projectKey: string, threadId: string): Promise<{ project: Project; messages: ThreadMessage[] }> {
  const project = await resolveProject(db, projectKey);
  const seed = /^\d+$/.test(threadId) ? Number(threadId) : -1;
  const rows = await db.all<Omit<ThreadMessage, "to" | "cc" | "ack_required"> & { ack_required: number }>(sql`
    SELECT m.id, m.subject, s.name AS "from", m.importance, m.ack_required, m.thread_id, m.created_ts, m.body_md
    FROM messages m JOIN agents s ON s.id = m.sender_id
    WHERE m.project_id = ${project.id} AND (m.thread_id = ${threadId} OR m.id = ${seed})
    ORDER BY m.created_ts, m.id LIMIT ${THREAD_MESSAGE_LIMIT}`);
  if (rows.length === 0) {
    throw new AppError("NOT_FOUND", `Thread ${JSON.stringify(threadId.slice(0, 128))} has no messages in project ${project.slug}.`);
  }
  const recipients = await db.all<{ message_id: number; kind: string; name: string }>(sql`
    SELECT r.message_id, r.kind, a.name FROM message_recipients r JOIN agents a ON a.id = r.agent_id
    WHERE r.kind <> 'bcc' AND r.message_id IN (SELECT value FROM json_each(${JSON.stringify(rows.map((r) => r.id))}))
    ORDER BY a.name`);
  const messages = rows.map((row) => {
    const mine = recipients.filter((r) => r.message_id === row.id);
    return {
      ...row,
      ack_required: Boolean(row.ack_required),
      to: mine.filter((r) => r.kind === "to").map((r) => r.name),
      cc: mine.filter((r) => r.kind === "cc").map((r) => r.name),
    };
  });
  return { project, messages };
}

/** Project-wide full-text search with the agents' query rules (FTS5 syntax, hostile queries fall back). */
export async function overseerSearch(db: Db, projectKey: string, query: string): Promise<{ project: Project; hits: SearchHit[] }> {
  const project = await resolveProject(db, projectKey);
  if (!/[\p{L}\p{N}]/u.test(query)) return { project, hits: [] };
  for (const match of [prepareFtsQuery(query), fallbackFtsQuery(query)]) {
    if (match === undefined || !/[\p{L}\p{N}]/u.test(match)) continue;
    try {
      return { project, hits: await searchProject(db, project.id, match) };
    } catch {
      // FTS5 refused this form of the query; the next one is plain quoted terms.
    }
  }
  return { project, hits: [] };
}

async function searchProject(db: Db, projectId: number, match: string): Promise<SearchHit[]> {
  const rows = await db.all<Omit<SearchHit, "from"> & { sender: string }>(sql`
    SELECT m.id, m.subject, s.name AS sender, m.created_ts, m.importance, m.thread_id,
      snippet(messages_fts, -1, '', '', '…', 16) AS snippet
    FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid JOIN agents s ON s.id = m.sender_id
    WHERE messages_fts MATCH ${match} AND m.project_id = ${projectId}
    ORDER BY bm25(messages_fts, 2.0, 1.0) LIMIT ${OVERSEER_LIST_LIMIT}`);
  return rows.map(({ sender, ...row }) => ({ ...row, from: sender }));
}

export interface OverseerMessage {
  projectKey: string;
  to: readonly string[];
  subject: string;
  bodyMd: string;
  threadId?: string | undefined;
}

/**
 * Sends as "Overseer": high importance, delivered whatever the recipients' contact policies say (the human
 * outranks them). The sender is an agent row of its own in the project, created on first use with a token
 * nobody holds, so agents can reply to it like to anyone.
 */
export async function sendAsOverseer(db: Db, input: OverseerMessage, notifier?: InboxNotifier): Promise<StoredMessage> {
  const project = await resolveProject(db, input.projectKey);
  const subject = input.subject.trim();
  if (subject === "") throw new AppError("INVALID_ARGUMENT", "Give the message a subject.", { field: "subject" });
  if (input.to.length === 0) throw new AppError("INVALID_ARGUMENT", "Pick at least one recipient.", { field: "to" });
  const { recipients } = await resolveRecipients(db, project, { to: input.to, cc: [], bcc: [] });
  const overseer = await overseerAgent(db, project.id);
  return sendSystemMessage(
    db,
    {
      projectId: project.id,
      fromAgentId: overseer,
      toAgentIds: recipients.map((r) => r.id),
      subject,
      bodyMd: input.bodyMd,
      importance: "high",
      threadId: validateThreadId(input.threadId?.trim() || null),
    },
    notifier,
  );
}

async function overseerAgent(db: Db, projectId: number): Promise<number> {
  const now = nowIso();
  await db
    .insert(agents)
    .values({
      projectId,
      name: OVERSEER_NAME,
      nameKey: nameKeyOf(OVERSEER_NAME),
      program: OVERSEER_PROGRAM,
      model: "human",
      taskDescription: "The human overseeing this project, writing from the dashboard.",
      tokenHash: await sha256Hex(randomToken()),
      inceptionTs: now,
      lastActiveTs: now,
    })
    .onConflictDoNothing();
  const row = await db.query.agents.findFirst({
    where: and(eq(agents.projectId, projectId), eq(agents.nameKey, nameKeyOf(OVERSEER_NAME))),
  });
  if (!row || row.program !== OVERSEER_PROGRAM) {
    throw new AppError("CONFLICT", `An agent registered itself as ${OVERSEER_NAME} in this project; retire or rename it before writing as the overseer.`);
  }
  return row.id;
}
