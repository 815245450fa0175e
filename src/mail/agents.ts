/**
 * Agent identities: registration (race-safe; only the creating call sees the token), re-registration
 * with proof, and the one authentication check every "act as agent X" call goes through.
 */
import { and, eq, or, sql } from "drizzle-orm";
import { agents, projects, type AgentRow, type Db } from "../db";
import { sha256Hex, timingSafeEqualDigests } from "../shared/crypto";
import { AppError } from "../shared/errors";
import { randomToken } from "../shared/ids";
import { ACTING_AGENT_ROW, actingAgentOf, actingAgentParams, type ActingRow } from "./acting-sql";
import { nowIso } from "../shared/time";
import { decideName, generateName, nameKeyOf } from "./names";
import { resolveProject, slugify, toProject, type Project } from "./projects";

/** How long an agent's last_active_ts may lag before an authenticated call refreshes it. */
const ACTIVITY_REFRESH_SECONDS = 60;
/** Random names to try before falling back to a numbered one (3.9k combinations per project). */
const GENERATE_ATTEMPTS = 12;

export interface AgentProfile {
  id: number;
  name: string;
  program: string;
  model: string;
  task_description: string;
  contact_policy: string;
  inception_ts: string;
  last_active_ts: string;
  retired_at: string | null;
  project_id: number;
}

export interface RegisteredAgent extends AgentProfile {
  /** Present only on the call that created the agent; null when an existing agent was updated. */
  registration_token: string | null;
  warnings?: string[];
}

export function toProfile(row: AgentRow): AgentProfile {
  return {
    id: row.id,
    name: row.name,
    program: row.program,
    model: row.model,
    task_description: row.taskDescription,
    contact_policy: row.contactPolicy,
    inception_ts: row.inceptionTs,
    last_active_ts: row.lastActiveTs,
    retired_at: row.retiredAt,
    project_id: row.projectId,
  };
}

export interface RegisterInput {
  projectKey: string;
  program: string;
  model: string;
  name?: string | undefined;
  taskDescription?: string | undefined;
  token?: string | undefined;
}

function requireProgramAndModel(program: string, model: string): void {
  if (program.trim() === "") {
    throw new AppError("EMPTY_PROGRAM", "program must name the agent's CLI, e.g. claude-code or codex.", { field: "program" });
  }
  if (model.trim() === "") {
    throw new AppError("EMPTY_MODEL", "model must name the model the agent runs, e.g. opus-4.1 or gpt-5.", { field: "model" });
  }
}

/**
 * register_agent: creates the agent, or updates an existing one whose token the caller proves.
 * A refused name (description, program, email, broadcast word) yields a generated name plus a warning.
 */
export async function registerAgent(db: Db, input: RegisterInput): Promise<RegisteredAgent> {
  requireProgramAndModel(input.program, input.model);
  const project = await resolveProject(db, input.projectKey);
  const requested = input.name?.trim() ?? "";
  if (requested !== "") {
    const decision = decideName(requested);
    if (decision.accepted) {
      const created = await insertAgent(db, project.id, decision.name, input);
      if (created) return created;
      return updateExisting(db, project, decision.name, input);
    }
    return withWarning(await createGenerated(db, project.id, input), decision.reason);
  }
  return createGenerated(db, project.id, input);
}

/** create_agent_identity: always a new agent; the hint is used when it is valid and free. */
export async function createAgentIdentity(db: Db, input: RegisterInput): Promise<RegisteredAgent> {
  requireProgramAndModel(input.program, input.model);
  const project = await resolveProject(db, input.projectKey);
  const hint = input.name?.trim() ?? "";
  if (hint === "") return createGenerated(db, project.id, input);
  const decision = decideName(hint);
  if (!decision.accepted) return withWarning(await createGenerated(db, project.id, input), decision.reason);
  const created = await insertAgent(db, project.id, decision.name, input);
  if (created) return created;
  return withWarning(await createGenerated(db, project.id, input), `name_hint "${decision.name}" is taken`);
}

function withWarning(agent: RegisteredAgent, reason: string): RegisteredAgent {
  return { ...agent, warnings: [...(agent.warnings ?? []), `${reason}; registered as ${agent.name} instead.`] };
}

async function createGenerated(db: Db, projectId: number, input: RegisterInput): Promise<RegisteredAgent> {
  for (let attempt = 0; attempt < GENERATE_ATTEMPTS; attempt++) {
    const created = await insertAgent(db, projectId, generateName(), input);
    if (created) return created;
  }
  // A crowded project: a numbered name is still unique and still a valid explicit id.
  const suffix = crypto.getRandomValues(new Uint16Array(1))[0]!;
  const created = await insertAgent(db, projectId, `${generateName()}-${suffix}`, input);
  if (!created) throw new AppError("CONFLICT", "Could not find a free agent name; pass an explicit name such as worker-7.");
  return created;
}

/** INSERT … ON CONFLICT DO NOTHING: exactly one of N racing callers gets the row back, and the token. */
async function insertAgent(db: Db, projectId: number, name: string, input: RegisterInput): Promise<RegisteredAgent | undefined> {
  const token = randomToken();
  const now = nowIso();
  const [row] = await db
    .insert(agents)
    .values({
      projectId,
      name,
      nameKey: nameKeyOf(name),
      program: input.program.trim(),
      model: input.model.trim(),
      taskDescription: input.taskDescription ?? "",
      tokenHash: await sha256Hex(token),
      inceptionTs: now,
      lastActiveTs: now,
    })
    .onConflictDoNothing()
    .returning();
  return row ? { ...toProfile(row), registration_token: token } : undefined;
}

async function updateExisting(db: Db, project: Project, name: string, input: RegisterInput): Promise<RegisteredAgent> {
  const existing = await db.query.agents.findFirst({
    where: and(eq(agents.projectId, project.id), eq(agents.nameKey, nameKeyOf(name))),
  });
  if (!existing) throw new Error(`agent ${name} vanished after a conflicting insert`);
  await verifyToken(existing, input.token, "re-register");
  const [row] = await db
    .update(agents)
    .set({
      program: input.program.trim(),
      model: input.model.trim(),
      ...(input.taskDescription !== undefined ? { taskDescription: input.taskDescription } : {}),
      lastActiveTs: nowIso(),
      retiredAt: null,
    })
    .where(eq(agents.id, existing.id))
    .returning();
  return { ...toProfile(row!), registration_token: null };
}

async function verifyToken(agent: AgentRow, token: string | undefined, action: string): Promise<void> {
  const ok = token !== undefined && token !== "" && timingSafeEqualDigests(await sha256Hex(token), agent.tokenHash);
  if (!ok) {
    throw new AppError(
      "AUTHENTICATION_REQUIRED",
      `${token ? "Wrong" : "Missing"} registration token for agent ${agent.name}; to ${action} as ${agent.name} pass the ` +
        "registration_token that register_agent returned when it created this agent (or send it as the HTTP bearer).",
      { agent: agent.name },
    );
  }
}

export interface ActingAgent {
  project: Project;
  agent: { id: number; name: string };
}

/**
 * Finds project + agent in one query and checks the caller's proof. NOT_FOUND (project or agent),
 * AUTHENTICATION_REQUIRED (token missing or wrong), AGENT_RETIRED (retired agents cannot act).
 * Also refreshes last_active_ts when it is more than a minute old, so reading counts as activity.
 */
export async function requireActingAgent(
  db: Db,
  projectKey: string,
  agentName: string,
  token: string | undefined,
): Promise<ActingAgent> {
  // The common case in one indexed lookup by token digest; anything it does not admit gets the precise answer below.
  const params = await actingAgentParams({ projectKey, agentName, token });
  const found = params && (await db.$client.prepare(ACTING_AGENT_ROW).bind(...params).first<ActingRow>());
  if (found) {
    await refreshActivity(db, found.id, found.last_active_ts);
    return actingAgentOf(found);
  }
  const { project, row } = await loadAgent(db, projectKey, agentName);
  await verifyToken(row, token, "act");
  if (row.retiredAt !== null) {
    throw new AppError("AGENT_RETIRED", `Agent ${row.name} is retired; call unretire_agent first.`, { agent: row.name });
  }
  await refreshActivity(db, row.id, row.lastActiveTs);
  return { project, agent: { id: row.id, name: row.name } };
}

/** Every acting call runs this query: it is built once per database handle, not per call. */
const loadAgentQueries = new WeakMap<Db, ReturnType<typeof prepareLoadAgent>>();

function prepareLoadAgent(db: Db) {
  return db
    .select({ project: projects, agent: agents })
    .from(agents)
    .innerJoin(projects, eq(agents.projectId, projects.id))
    .where(
      and(
        or(eq(projects.slug, sql.placeholder("slug")), eq(projects.humanKey, sql.placeholder("humanKey"))),
        eq(agents.nameKey, sql.placeholder("nameKey")),
      ),
    )
    .limit(1)
    .prepare();
}

function loadAgentQuery(db: Db): ReturnType<typeof prepareLoadAgent> {
  let query = loadAgentQueries.get(db);
  if (!query) {
    query = prepareLoadAgent(db);
    loadAgentQueries.set(db, query);
  }
  return query;
}

/** The agent row and its project, or NOT_FOUND naming which one is missing. */
export async function loadAgent(db: Db, projectKey: string, agentName: string): Promise<{ project: Project; row: AgentRow }> {
  const key = projectKey.trim();
  const [hit] = await loadAgentQuery(db).all({ slug: slugify(key), humanKey: key, nameKey: nameKeyOf(agentName) });
  if (hit) return { project: toProject(hit.project), row: hit.agent };
  const project = await resolveProject(db, projectKey);
  throw new AppError(
    "NOT_FOUND",
    `Agent ${JSON.stringify(agentName.slice(0, 128))} not found in project ${project.slug}; register_agent first or check list_agents.`,
    { agent: agentName.slice(0, 128), project: project.slug },
  );
}

/** Moves an agent's last_active_ts to now when it is more than ACTIVITY_REFRESH_SECONDS old (at most one write a minute). */
export async function refreshActivity(db: Db, agentId: number, lastActiveTs: string): Promise<void> {
  const stale = Date.parse(lastActiveTs) < Date.now() - ACTIVITY_REFRESH_SECONDS * 1000;
  if (!stale) return;
  await db
    .update(agents)
    .set({ lastActiveTs: nowIso() })
    .where(and(eq(agents.id, agentId), sql`${agents.lastActiveTs} < ${nowIso()}`));
}
