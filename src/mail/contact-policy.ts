/**
 * Who may message whom. Per recipient, in order: self → allowed; the recipient's policy `block_all` or a
 * denial of the sender (blocked link) → CONTACT_BLOCKED; `open` → allowed; otherwise allowed when the
 * recipient is a participant of the thread being written to, holds claims overlapping the sender's, or
 * (under `auto`) the pair has an approved link in either direction or exchanged a message in the last 24 h;
 * `contacts_only` accepts only thread participants, overlapping claims and the sender's own approved link.
 * Cross-project recipients need an approved link (or `open`).
 */
import type { Db } from "../db";
import { nowIso } from "../shared/time";
import { CONTACT_REQUEST_TOPIC, normalizePolicy } from "./contacts";

/** A message in either direction within this window lets an `auto` pair keep talking (the original's 24 h). */
export const EXCHANGE_WINDOW_SECONDS = 24 * 3600;

/**
 * Facts about agents that other contexts own. Claims live in the project's Durable Object (claims issue);
 * until that lands the default port reports no overlaps, so the claims rule never allows anything yet.
 */
export interface ContactSignals {
  /** The ids among `candidateIds` whose active claims overlap the sender's in that project. */
  overlappingClaimHolders(projectId: number, senderId: number, candidateIds: readonly number[]): Promise<ReadonlySet<number>>;
}

export const NO_CONTACT_SIGNALS: ContactSignals = {
  overlappingClaimHolders: async () => new Set<number>(),
};

export interface PolicyRecipient {
  id: number;
  name: string;
  projectId: number;
  projectSlug: string;
  policy: string;
}

export interface ContactVerdict {
  blocked: PolicyRecipient[];
  required: PolicyRecipient[];
}

export interface ContactFlags {
  id: number;
  link_out: number;
  link_in: number;
  denied: number;
  exchanged: number;
  in_thread: number;
}

export async function evaluateContacts(
  db: Db,
  sender: { id: number; projectId: number },
  recipients: readonly PolicyRecipient[],
  threadId: string | null,
  signals: ContactSignals = NO_CONTACT_SIGNALS,
  /** Flags already loaded with the recipients (saves a round trip); loaded here when absent. */
  preloaded?: ReadonlyMap<number, ContactFlags>,
): Promise<ContactVerdict> {
  const verdict: ContactVerdict = { blocked: [], required: [] };
  // `open` recipients are checked too: a denial of this sender overrides even `open`.
  const others = recipients.filter((r) => r.id !== sender.id);
  if (others.length === 0) return verdict;
  const flags = preloaded ?? (await loadFlags(db, sender, others, threadId));
  const undecided: PolicyRecipient[] = [];
  for (const r of others) {
    const f = flags.get(r.id);
    const policy = normalizePolicy(r.policy);
    if (policy === "block_all" || f?.denied) {
      verdict.blocked.push(r);
      continue;
    }
    if (policy === "open") continue;
    const sameProject = r.projectId === sender.projectId;
    const linkOut = Boolean(f?.link_out);
    const allowed = sameProject
      ? Boolean(f?.in_thread) || linkOut || (policy === "auto" && (Boolean(f?.link_in) || Boolean(f?.exchanged)))
      : linkOut || (policy === "auto" && Boolean(f?.link_in));
    if (allowed) continue;
    if (sameProject) undecided.push(r);
    else verdict.required.push(r);
  }
  // Overlapping claims are asked last, and only about recipients nothing else admitted: a coordinator round trip
  // the common send (open policy, known contact) never pays.
  if (undecided.length > 0) {
    const overlap = await signals.overlappingClaimHolders(sender.projectId, sender.id, undecided.map((r) => r.id));
    verdict.required.push(...undecided.filter((r) => !overlap.has(r.id)));
  }
  return verdict;
}

/** SQL text for the raw D1 binding with its parameters, numbered ?1… in the text. */
export interface RawSql {
  sql: string;
  params: unknown[];
}

/**
 * The per-candidate rule columns (link_out, link_in, denied, exchanged, in_thread) for a query whose rows
 * expose the candidate agent id as `c.id`. The sender is given as SQL expressions (bound parameters, or columns of
 * the caller's query); the columns' own parameters are numbered from ?`first`. Plain SQL because it sits on the
 * send path, where building it per call showed in profiles.
 */
export function contactFlagColumns(sender: { id: string; projectId: string }, threadId: string | null, first: number): RawSql {
  const now = nowIso();
  const cutoff = new Date(Date.now() - EXCHANGE_WINDOW_SECONDS * 1000).toISOString();
  // A numeric thread id also names the message that seeded it (thread "<id>").
  const seedId = threadId !== null && /^\d{1,15}$/.test(threadId) ? Number(threadId) : -1;
  const params = [now, cutoff, CONTACT_REQUEST_TOPIC, threadId, seedId];
  const [nowTs, cutoffTs, requestTopic, thread, seed] = params.map((_, i) => `?${first + i}`);
  const { id: senderId, projectId } = sender;
  return {
    params,
    sql: `
      EXISTS (SELECT 1 FROM contacts k WHERE k.from_agent_id = ${senderId} AND k.to_agent_id = c.id
              AND k.status = 'approved' AND (k.expires_ts IS NULL OR k.expires_ts > ${nowTs})) AS link_out,
      EXISTS (SELECT 1 FROM contacts k WHERE k.from_agent_id = c.id AND k.to_agent_id = ${senderId}
              AND k.status = 'approved' AND (k.expires_ts IS NULL OR k.expires_ts > ${nowTs})) AS link_in,
      EXISTS (SELECT 1 FROM contacts k WHERE k.from_agent_id = ${senderId} AND k.to_agent_id = c.id
              AND k.status = 'blocked') AS denied,
      (EXISTS (SELECT 1 FROM messages m JOIN message_recipients r ON r.message_id = m.id
               WHERE m.sender_id = ${senderId} AND r.agent_id = c.id AND m.created_ts > ${cutoffTs}
                 AND coalesce(m.topic, '') <> ${requestTopic})
       OR EXISTS (SELECT 1 FROM message_recipients r JOIN messages m ON m.id = r.message_id
               WHERE r.agent_id = ${senderId} AND m.sender_id = c.id AND r.created_ts > ${cutoffTs}
                 AND coalesce(m.topic, '') <> ${requestTopic})) AS exchanged,
      (${thread} IS NOT NULL AND EXISTS (
          SELECT 1 FROM messages m
          WHERE m.project_id = ${projectId} AND (m.thread_id = ${thread} OR (m.id = ${seed} AND m.thread_id IS NULL))
            AND (m.sender_id = c.id OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.agent_id = c.id))
            AND (m.sender_id = ${senderId} OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.agent_id = ${senderId})))) AS in_thread`,
  };
}

/** One query answers every rule for every candidate. */
async function loadFlags(
  db: Db,
  sender: { id: number; projectId: number },
  candidates: readonly PolicyRecipient[],
  threadId: string | null,
): Promise<Map<number, ContactFlags>> {
  const flags = contactFlagColumns({ id: "?2", projectId: "?3" }, threadId, 4);
  const { results: rows } = await db.$client
    .prepare(`WITH c(id) AS (SELECT value FROM json_each(?1)) SELECT c.id AS id, ${flags.sql} FROM c`)
    .bind(JSON.stringify(candidates.map((c) => c.id)), sender.id, sender.projectId, ...flags.params)
    .all<ContactFlags>();
  return new Map(rows.map((row) => [Number(row.id), row]));
}
