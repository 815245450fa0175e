/**
 * Rule-based thread summaries (no LLM): participants, bullets as key points, checkboxes and
 * TODO:/NEXT:/ACTION: lines as action items, @mentions, backticked paths as code references.
 * Only messages the agent can see count; an unknown thread is an empty summary, not an error.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db";
import type { ActingAgent } from "./agents";

/** Messages read per thread (oldest first); long threads are summarised from their start. */
export const THREAD_MESSAGE_LIMIT = 500;
const MAX_ITEMS = 25;

export interface ThreadSummary {
  participants: string[];
  total_messages: number;
  key_points: string[];
  action_items: string[];
  open_actions: number;
  done_actions: number;
  mentions: Array<{ name: string; count: number }>;
  code_references: string[];
}

export interface ThreadMessage {
  id: number;
  subject: string;
  from: string;
  created_ts: string;
  body_md: string;
  importance: string;
  thread_id: string | null;
  recipients: string[];
}

/** The thread's messages visible to the agent, oldest first; a numeric id also matches its seed message. */
export async function loadThread(db: Db, acting: ActingAgent, threadId: string): Promise<ThreadMessage[]> {
  const me = acting.agent.id;
  const seedId = /^\d{1,15}$/.test(threadId) ? Number(threadId) : -1;
  const rows = await db.all<Omit<ThreadMessage, "recipients"> & { sender: string; recipients: string | null }>(sql`
    SELECT m.id, m.subject, s.name AS sender, m.created_ts, m.body_md, m.importance, m.thread_id,
      (SELECT group_concat(a.name, char(31)) FROM message_recipients r JOIN agents a ON a.id = r.agent_id
        WHERE r.message_id = m.id AND (r.kind <> 'bcc' OR m.sender_id = ${me})) AS recipients
    FROM messages m JOIN agents s ON s.id = m.sender_id
    WHERE (m.thread_id = ${threadId} OR (m.id = ${seedId} AND m.thread_id IS NULL))
      AND (m.sender_id = ${me} OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.agent_id = ${me}))
    ORDER BY m.created_ts, m.id
    LIMIT ${THREAD_MESSAGE_LIMIT}`);
  return rows.map(({ sender, recipients, ...row }) => ({ ...row, from: sender, recipients: recipients ? recipients.split("\u001f") : [] }));
}

export function summarize(messages: readonly ThreadMessage[]): ThreadSummary {
  const participants = new Set<string>();
  const keyPoints = new Set<string>();
  const actions = new Set<string>();
  const mentions = new Map<string, number>();
  const codeRefs = new Set<string>();
  let open = 0;
  let done = 0;
  for (const message of messages) {
    participants.add(message.from);
    for (const r of message.recipients) participants.add(r);
    for (const rawLine of message.body_md.split(/\r?\n/)) {
      const line = rawLine.trim();
      const checkbox = /^[-*+]\s+\[( |x|X)\]\s+(.+)$/.exec(line);
      const marker = /\b(TODO|NEXT|ACTION|FIXME|BLOCKED):\s*(.+)$/.exec(line);
      const bullet = /^(?:[-*+]|\d+[.)])\s+(.+)$/.exec(line);
      if (checkbox) {
        if (checkbox[1] === " ") {
          open += 1;
          actions.add(`[ ] ${checkbox[2]!.trim()}`);
        } else {
          done += 1;
          actions.add(`[x] ${checkbox[2]!.trim()}`);
        }
      } else if (marker) {
        open += 1;
        actions.add(`${marker[1]}: ${marker[2]!.trim()}`);
      } else if (bullet) {
        keyPoints.add(bullet[1]!.trim());
      }
      for (const m of line.matchAll(/(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9])/g)) {
        mentions.set(m[1]!, (mentions.get(m[1]!) ?? 0) + 1);
      }
      for (const m of line.matchAll(/`([^`\s]+)`/g)) {
        if (/[/\\]|\.[A-Za-z0-9]{1,8}$/.test(m[1]!)) codeRefs.add(m[1]!);
      }
    }
  }
  return {
    participants: [...participants],
    total_messages: messages.length,
    key_points: [...keyPoints].slice(0, MAX_ITEMS),
    action_items: [...actions].slice(0, MAX_ITEMS),
    open_actions: open,
    done_actions: done,
    mentions: [...mentions].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    code_references: [...codeRefs].slice(0, MAX_ITEMS),
  };
}

export interface ThreadSummaryResult {
  thread_id: string;
  summary: ThreadSummary;
  examples?: Array<{ id: number; subject: string; from: string; created_ts: string }>;
}

export async function summarizeThread(db: Db, acting: ActingAgent, threadId: string, includeExamples = false): Promise<ThreadSummaryResult> {
  const messages = await loadThread(db, acting, threadId);
  const result: ThreadSummaryResult = { thread_id: threadId, summary: summarize(messages) };
  if (includeExamples) {
    result.examples = messages.slice(0, 3).map((m) => ({ id: m.id, subject: m.subject, from: m.from, created_ts: m.created_ts }));
  }
  return result;
}

export async function summarizeThreads(
  db: Db,
  acting: ActingAgent,
  threadIds: readonly string[],
  includeExamples = false,
): Promise<{ threads: ThreadSummaryResult[]; aggregate: { total_messages: number; top_mentions: Array<{ name: string; count: number }>; key_points: string[]; action_items: string[] } }> {
  const threads: ThreadSummaryResult[] = [];
  for (const id of [...new Set(threadIds)]) threads.push(await summarizeThread(db, acting, id, includeExamples));
  const mentions = new Map<string, number>();
  for (const t of threads) for (const m of t.summary.mentions) mentions.set(m.name, (mentions.get(m.name) ?? 0) + m.count);
  return {
    threads,
    aggregate: {
      total_messages: threads.reduce((n, t) => n + t.summary.total_messages, 0),
      top_mentions: [...mentions].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count).slice(0, 10),
      key_points: [...new Set(threads.flatMap((t) => t.summary.key_points))].slice(0, MAX_ITEMS),
      action_items: [...new Set(threads.flatMap((t) => t.summary.action_items))].slice(0, MAX_ITEMS),
    },
  };
}
