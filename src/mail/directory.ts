/**
 * The agent directory: list_agents (with unread counts), whois, and who a broadcast reaches.
 */
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { agents, type Db } from "../db";
import type { ResolvedRecipient } from "./addresses";
import { loadAgent, toProfile, type AgentProfile } from "./agents";
import { resolveProject } from "./projects";

/** Broadcasts reach agents active within this window, so a roster of zombies cannot wall them (30 days). */
export const BROADCAST_ACTIVE_WINDOW_SECONDS = 30 * 24 * 3600;

export async function listBroadcastTargets(db: Db, projectId: number, senderId: number): Promise<ResolvedRecipient[]> {
  const cutoff = new Date(Date.now() - BROADCAST_ACTIVE_WINDOW_SECONDS * 1000).toISOString();
  const project = await db.query.projects.findFirst({ where: (p, { eq: equals }) => equals(p.id, projectId) });
  const rows = await db
    .select()
    .from(agents)
    .where(and(eq(agents.projectId, projectId), isNull(agents.retiredAt), gt(agents.lastActiveTs, cutoff), sql`${agents.id} <> ${senderId}`))
    .limit(5000);
  return rows.map((a) => ({
    id: a.id,
    name: a.name,
    projectId,
    projectSlug: project!.slug,
    projectHumanKey: project!.humanKey,
    policy: a.contactPolicy,
    retiredAt: a.retiredAt,
    lastActiveTs: a.lastActiveTs,
    kind: "to",
    // Broadcasts are rare: poke the project's stream object for everyone rather than look listeners up.
    listening: true,
  }));
}

/** An agent as the directory lists it: its profile without ids, plus its unread count. */
export type DirectoryEntry = Omit<AgentProfile, "id" | "project_id"> & { unread_count: number };

/** list_agents / resource://agents: active agents by last activity, then the retired ones. */
export async function listAgents(
  db: Db,
  projectKey: string,
  activeOnly = false,
): Promise<{ project: { slug: string; human_key: string }; agents: DirectoryEntry[]; retired_agents: DirectoryEntry[] }> {
  const project = await resolveProject(db, projectKey);
  const rows = await db.all<DirectoryEntry>(sql`
    SELECT a.name, a.program, a.model, a.task_description, a.contact_policy, a.inception_ts, a.last_active_ts, a.retired_at,
      (SELECT count(*) FROM message_recipients r WHERE r.agent_id = a.id AND r.read_ts IS NULL) AS unread_count
    FROM agents a WHERE a.project_id = ${project.id}
    ORDER BY a.last_active_ts DESC LIMIT 5000`);
  const entries = rows.map((r) => ({ ...r, unread_count: Number(r.unread_count) }));
  return {
    project: { slug: project.slug, human_key: project.human_key },
    agents: entries.filter((e) => e.retired_at === null),
    retired_agents: activeOnly ? [] : entries.filter((e) => e.retired_at !== null),
  };
}

export interface WhoisResult extends AgentProfile {
  project: string;
  unread_count: number;
  recent_activity: { last_sent_ts: string | null; sent_last_24h: number; received_last_24h: number };
}

/** whois: a profile plus recent activity; anyone in the project may look anyone up, tokens never shown. */
export async function whois(db: Db, projectKey: string, agentName: string): Promise<WhoisResult> {
  const { project, row } = await loadAgent(db, projectKey, agentName);
  const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  const [stats] = await db.all<{ last_sent_ts: string | null; sent: number; received: number; unread: number }>(sql`
    SELECT
      (SELECT max(created_ts) FROM messages WHERE sender_id = ${row.id}) AS last_sent_ts,
      (SELECT count(*) FROM messages WHERE sender_id = ${row.id} AND created_ts > ${since}) AS sent,
      (SELECT count(*) FROM message_recipients WHERE agent_id = ${row.id} AND created_ts > ${since}) AS received,
      (SELECT count(*) FROM message_recipients WHERE agent_id = ${row.id} AND read_ts IS NULL) AS unread`);
  return {
    ...toProfile(row),
    project: project.slug,
    unread_count: Number(stats?.unread ?? 0),
    recent_activity: {
      last_sent_ts: stats?.last_sent_ts ?? null,
      sent_last_24h: Number(stats?.sent ?? 0),
      received_last_24h: Number(stats?.received ?? 0),
    },
  };
}
