/**
 * search_messages: FTS5 over subject + body, ranked by bm25 (subject weighs double), with snippets, limited
 * to messages the agent sent or received. FTS5 syntax works ("phrase", prefix*, AND/OR/NOT, subject:x).
 * A query FTS5 cannot parse never errors: hyphenated tokens are quoted up front (POL-358), and if FTS5
 * still refuses the query it is retried as plain quoted terms; a query without any term returns nothing.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db";
import type { ActingAgent } from "./agents";
import { normalizeLimit } from "./inbox";

export const SEARCH_DEFAULT_LIMIT = 20;
/** Terms kept when falling back to term matching (enough for any sensible query, bounded for cost). */
const FALLBACK_MAX_TERMS = 12;
const TERM = /[\p{L}\p{N}_]+/gu;
/** The fast plan ranks this many candidates per requested hit (bounded), see runSearch. */
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
  if (!/[\p{L}\p{N}]/u.test(query)) return [];
  const prepared = prepareFtsQuery(query);
  if (prepared !== undefined && /[\p{L}\p{N}]/u.test(prepared)) {
    try {
      return await runSearch(db, acting, prepared, max);
    } catch {
      // FTS5 rejected the syntax (unknown column, dangling operator…): fall back to term matching below.
    }
  }
  const fallback = fallbackFtsQuery(query);
  if (fallback === undefined) return [];
  try {
    return await runSearch(db, acting, fallback, max);
  } catch {
    return [];
  }
}

/**
 * Two plans. Fast: rank on the FTS index alone, keep the best CANDIDATE_FACTOR × limit, then check
 * visibility and build snippets for those only (scoring thousands of matches is cheap; joining and
 * snippeting them is not). When that yields fewer than `limit` visible hits (an agent who sees little of
 * a busy project, or few matches overall) the complete plan runs, so results are never lost.
 */
async function runSearch(db: Db, acting: ActingAgent, match: string, limit: number): Promise<SearchHit[]> {
  const me = acting.agent.id;
  const visible = sql`(m.sender_id = ${me} OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.agent_id = ${me}))`;
  const candidates = Math.min(MAX_CANDIDATES, Math.max(limit * CANDIDATE_FACTOR, MIN_CANDIDATES));
  const fast = await db.all<Row>(sql`
    WITH top AS (
      SELECT rowid AS id, bm25(messages_fts, 2.0, 1.0) AS score, snippet(messages_fts, -1, '**', '**', '…', 16) AS snippet
      FROM messages_fts WHERE messages_fts MATCH ${match} ORDER BY score LIMIT ${candidates}
    )
    SELECT m.id, m.subject, s.name AS sender, m.created_ts, m.importance, m.thread_id, top.snippet
    FROM top JOIN messages m ON m.id = top.id JOIN agents s ON s.id = m.sender_id
    WHERE ${visible}
    ORDER BY top.score LIMIT ${limit}`);
  if (fast.length === limit) return fast.map(toHit);
  const complete = await db.all<Row>(sql`
    SELECT m.id, m.subject, s.name AS sender, m.created_ts, m.importance, m.thread_id,
      snippet(messages_fts, -1, '**', '**', '…', 16) AS snippet
    FROM messages_fts
    JOIN messages m ON m.id = messages_fts.rowid
    JOIN agents s ON s.id = m.sender_id
    WHERE messages_fts MATCH ${match} AND ${visible}
    ORDER BY bm25(messages_fts, 2.0, 1.0)
    LIMIT ${limit}`);
  return complete.map(toHit);
}

type Row = Omit<SearchHit, "from"> & { sender: string };

function toHit({ sender, ...row }: Row): SearchHit {
  return { ...row, from: sender };
}
