/**
 * The acting agent as SQL, for tools that answer in one D1 round trip: the token check runs inside the same
 * statement (or batch) as the tool's own query instead of in a call of its own. A D1 call is the largest fixed cost
 * of a tool call, so this halves the trips of the common case. Whenever the SQL finds no active agent with that
 * token, the caller runs its full path, which decides again and answers with the precise error (NOT_FOUND,
 * AUTHENTICATION_REQUIRED, AGENT_RETIRED): the SQL only ever admits what requireActingAgent admits.
 */
import { sha256Hex } from "../shared/crypto";
import { nameKeyOf } from "./names";
import { slugify, type Project } from "./projects";

export interface AgentCredentials {
  projectKey: string;
  agentName: string;
  token: string | undefined;
}

/**
 * CTE `s`: the agent named by the credentials in its project, if the token digest matches and it is not retired.
 * Its four parameters are numbered from `first`: project slug, project human key, name key, token digest.
 */
export function actingAgentCte(first: number): string {
  const [slug, humanKey, nameKey, digest] = [0, 1, 2, 3].map((i) => `?${first + i}`);
  return `s AS (
  SELECT a.id, a.name, a.project_id, a.last_active_ts, p.slug, p.human_key, p.created_at
  FROM agents a JOIN projects p ON p.id = a.project_id
  WHERE (p.slug = ${slug} OR p.human_key = ${humanKey}) AND a.name_key = ${nameKey} AND a.token_hash = ${digest} AND a.retired_at IS NULL
  LIMIT 1
)`;
}

/** The parameters of actingAgentCte, in order; undefined without a token (the full path explains what is missing). */
export async function actingAgentParams(credentials: AgentCredentials): Promise<[string, string, string, string] | undefined> {
  if (credentials.token === undefined || credentials.token === "") return undefined;
  const key = credentials.projectKey.trim();
  return [slugify(key), key, nameKeyOf(credentials.agentName), await sha256Hex(credentials.token)];
}

/** The acting agent's row on its own: a statement with the parameters of actingAgentCte(1). */
export const ACTING_AGENT_ROW = `WITH ${actingAgentCte(1)} SELECT * FROM s`;

/** A row of `s`. */
export interface ActingRow {
  id: number;
  name: string;
  project_id: number;
  last_active_ts: string;
  slug: string;
  human_key: string;
  created_at: string;
}

export function actingAgentOf(row: ActingRow): { project: Project; agent: { id: number; name: string } } {
  return {
    project: { id: row.project_id, slug: row.slug, human_key: row.human_key, created_at: row.created_at },
    agent: { id: row.id, name: row.name },
  };
}
