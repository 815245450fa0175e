/**
 * search_messages: FTS5 over subject + body, ranked by bm25 (subject weighs double), with snippets, limited
 * to messages the agent sent or received. FTS5 syntax works ("phrase", prefix*, AND/OR/NOT, subject:x).
 * A query FTS5 cannot parse never errors: hyphenated tokens are quoted up front (POL-358), and if FTS5
 * still refuses the query it is retried as plain quoted terms; a query without any term returns nothing.
 */
import type { Db } from "../db";
import { ACTING_AGENT_ROW, actingAgentCte, actingAgentParams, type ActingRow, type AgentCredentials } from "./acting-sql";
import { refreshActivity, requireActingAgent, type ActingAgent } from "./agents";
import { normalizeLimit } from "./inbox";

export const SEARCH_DEFAULT_LIMIT = 20;
/** Terms kept when falling back to term matching (enough for any sensible query, bounded for cost). */
const FALLBACK_MAX_TERMS = 12;
const TERM = /[\p{L}\p{N}_]+/gu;
/** The fast plan ranks this many candidates per requested hit (bounded), see fastPlan. */
const CANDIDATE_FACTOR = 2;
const MIN_CANDIDATES = 40;
const MAX_CANDIDATES = 2000;

export interface SearchHit {
  id: number;
  subject: string;
  from: string;
  created_ts: string;
  importance: string;
  thread_id: string | null;
  snippet: string;
}

/** Quotes hyphenated/dotted tokens outside quotes and strips leading `*`; undefined when quotes are unbalanced. */
export function prepareFtsQuery(raw: string): string | undefined {
  const query = raw.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  if ((query.match(/"/g)?.length ?? 0) % 2 === 1) return undefined;
  const parts = query.split(/("[^"]*")/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part;
      return part
        .replace(/(^|\s)\*+/g, "$1")
        .replace(/[\p{L}\p{N}_]+(?:[-./:@#][\p{L}\p{N}_]+)+/gu, (token) =>
          // `subject:x` is a column filter, not a token to quote.
          /^(subject|body_md):/i.test(token) ? token : `"${token}"`,
        );
    })
    .join("")
    .trim();
}

/** Every word of the query as a quoted term, implicitly ANDed; undefined when there is none. */
export function fallbackFtsQuery(raw: string): string | undefined {
  const terms = (raw.match(TERM) ?? []).filter((t) => !/^(AND|OR|NOT|NEAR)$/.test(t)).slice(0, FALLBACK_MAX_TERMS);
  return terms.length === 0 ? undefined : terms.map((t) => `"${t}"`).join(" ");
}

export async function searchMessages(db: Db, acting: ActingAgent, query: string, limit?: number): Promise<SearchHit[]> {
  const max = normalizeLimit(limit, SEARCH_DEFAULT_LIMIT);
  const match = ftsMatchOf(query);
  if (match !== undefined) {
    try {
      return await runSearch(db, acting.agent.id, match, max);
    } catch {
      // FTS5 rejected the syntax (unknown column, dangling operator…): fall back to term matching below.
    }
  }
  if (!/[\p{L}\p{N}]/u.test(query)) return [];
  const fallback = fallbackFtsQuery(query);
  if (fallback === undefined) return [];
  try {
    return await runSearch(db, acting.agent.id, fallback, max);
  } catch {
    return [];
  }
}

/**
 * search_messages for a caller named by credentials: the token check and the fast plan in one D1 round trip when
 * the query is one FTS5 accepts, else (or when the check fails, for its precise error) the full path.
 */
export async function searchMessagesAs(db: Db, credentials: AgentCredentials, query: string, limit?: number): Promise<SearchHit[]> {
  const found = await searchInOneTrip(db, credentials, query, limit).catch(() => undefined);
  if (found) return found;
  const acting = await requireActingAgent(db, credentials.projectKey, credentials.agentName, credentials.token);
  return searchMessages(db, acting, query, limit);
}

async function searchInOneTrip(db: Db, credentials: AgentCredentials, query: string, limit?: number): Promise<SearchHit[] | undefined> {
  const match = ftsMatchOf(query);
  const credentialParams = await actingAgentParams(credentials);
  if (match === undefined || !credentialParams) return undefined;
  const max = normalizeLimit(limit, SEARCH_DEFAULT_LIMIT);
  const d1 = db.$client;
  const [acting, fast] = await d1.batch([
    d1.prepare(ACTING_AGENT_ROW).bind(...credentialParams),
    d1.prepare(fastPlan(`${actingAgentCte(4)}, me AS (SELECT id FROM s)`)).bind(match, candidatesFor(max), max, ...credentialParams),
  ]);
  const row = acting!.results[0] as ActingRow | undefined;
  if (!row) return undefined;
  await refreshActivity(db, row.id, row.last_active_ts);
  const hits = fast!.results as Row[];
  if (hits.length === max) return hits.map(toHit);
  return completePlan(db, row.id, match, max);
}

/** The query as FTS5 syntax (see prepareFtsQuery), or undefined when it has no term to match. */
function ftsMatchOf(query: string): string | undefined {
  if (!/[\p{L}\p{N}]/u.test(query)) return undefined;
  const prepared = prepareFtsQuery(query);
  return prepared !== undefined && /[\p{L}\p{N}]/u.test(prepared) ? prepared : undefined;
}

/*
 * Two plans. Fast: rank on the FTS index alone, keep the best CANDIDATE_FACTOR × limit, then check visibility and
 * build snippets for those only (scoring thousands of matches is cheap; joining and snippeting them is not). When
 * that yields fewer than `limit` visible hits (an agent who sees little of a busy project, or few matches overall)
 * the complete plan runs, so results are never lost.
 *
 * Parameters: ?1 the FTS5 match, ?2 the candidates, ?3 the limit; CTE `me` (one column, id) is the searching agent.
 */
const VISIBLE = `(m.sender_id = me.id OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.agent_id = me.id))`;
const HIT_COLUMNS = `m.id, m.subject, a.name AS sender, m.created_ts, m.importance, m.thread_id`;
const SNIPPET = `snippet(messages_fts, -1, '**', '**', '…', 16)`;
const SCORE = `bm25(messages_fts, 2.0, 1.0)`;
/** `me` from a known agent id (?4). */
const ME_BY_ID = `me AS (SELECT ?4 AS id)`;

/**
 * `top` must stay a co-routine: materialised, SQLite would build the snippet of every match before cutting to the
 * candidates (5 ms become 35 ms at 4k matches).
 */
function fastPlan(me: string): string {
  return `WITH ${me},
    top AS NOT MATERIALIZED (
      SELECT rowid AS id, ${SCORE} AS score, ${SNIPPET} AS snippet
      FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY score LIMIT ?2
    )
    SELECT ${HIT_COLUMNS}, top.snippet
    FROM top JOIN messages m ON m.id = top.id JOIN agents a ON a.id = m.sender_id JOIN me
    WHERE ${VISIBLE}
    ORDER BY top.score LIMIT ?3`;
}

const COMPLETE_PLAN = `WITH ${ME_BY_ID}
  SELECT ${HIT_COLUMNS}, ${SNIPPET} AS snippet
  FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid JOIN agents a ON a.id = m.sender_id JOIN me
  WHERE messages_fts MATCH ?1 AND ${VISIBLE}
  ORDER BY ${SCORE} LIMIT ?3`;

function candidatesFor(limit: number): number {
  return Math.min(MAX_CANDIDATES, Math.max(limit * CANDIDATE_FACTOR, MIN_CANDIDATES));
}

async function runSearch(db: Db, me: number, match: string, limit: number): Promise<SearchHit[]> {
  const fast = await db.$client.prepare(fastPlan(ME_BY_ID)).bind(match, candidatesFor(limit), limit, me).all<Row>();
  if (fast.results.length === limit) return fast.results.map(toHit);
  return completePlan(db, me, match, limit);
}

async function completePlan(db: Db, me: number, match: string, limit: number): Promise<SearchHit[]> {
  const complete = await db.$client.prepare(COMPLETE_PLAN).bind(match, candidatesFor(limit), limit, me).all<Row>();
  return complete.results.map(toHit);
}

type Row = Omit<SearchHit, "from"> & { sender: string };

function toHit({ sender, ...row }: Row): SearchHit {
  return { ...row, from: sender };
}
