/**
 * Roster lifecycle: retire (stays listed under retired_agents, receives nothing, cannot act), unretire,
 * and hard delete (the agent, its sent messages, its receipts and links; needs "I UNDERSTAND").
 * The agent itself may do this with its token; so may another active agent of the same project with its
 * own token, because abandoned sessions leave agents whose tokens nobody holds any more.
 */
import { eq, sql } from "drizzle-orm";
import { agents, type Db } from "../db";
import { sha256Hex, timingSafeEqualDigests } from "../shared/crypto";
import { AppError } from "../shared/errors";
import { nowIso } from "../shared/time";
import { loadAgent, requireActingAgent } from "./agents";
import type { Project } from "./projects";
import { rawBatch } from "./raw";

export const HARD_DELETE_CONFIRMATION = "I UNDERSTAND";

export interface LifecycleInput {
  projectKey: string;
  agentName: string;
  /** The target's own token. */
  token?: string | undefined;
  /** Or another agent of the project acting on the target's behalf. */
  actorName?: string | undefined;
  actorToken?: string | undefined;
}

async function authorizeLifecycle(db: Db, input: LifecycleInput, allowRetiredTarget: boolean): Promise<{ project: Project; targetId: number; name: string; retiredAt: string | null }> {
  const target = await loadAgent(db, input.projectKey, input.agentName);
  if (input.actorName !== undefined && input.actorName.trim() !== "" && input.actorName.trim().toLowerCase() !== target.row.nameKey) {
    await requireActingAgent(db, input.projectKey, input.actorName, input.actorToken);
  } else {
    const ok = input.token !== undefined && input.token !== "" && timingSafeEqualDigests(await sha256Hex(input.token), target.row.tokenHash);
    if (!ok) {
      throw new AppError(
        "AUTHENTICATION_REQUIRED",
        `Pass ${target.row.name}'s registration_token, or actor_name + actor_token of another active agent in ${target.project.slug}.`,
        { agent: target.row.name },
      );
    }
  }
  if (!allowRetiredTarget && target.row.retiredAt !== null) {
    throw new AppError("AGENT_RETIRED", `Agent ${target.row.name} is already retired.`, { agent: target.row.name });
  }
  return { project: target.project, targetId: target.row.id, name: target.row.name, retiredAt: target.row.retiredAt };
}

export async function retireAgent(db: Db, input: LifecycleInput): Promise<{ status: "retired"; agent: string; project: string; retired_at: string }> {
  const target = await authorizeLifecycle(db, input, true);
  const retiredAt = target.retiredAt ?? nowIso();
  await db.update(agents).set({ retiredAt }).where(eq(agents.id, target.targetId));
  return { status: "retired", agent: target.name, project: target.project.slug, retired_at: retiredAt };
}

export async function unretireAgent(db: Db, input: LifecycleInput): Promise<{ status: "active"; agent: string; project: string }> {
  const target = await authorizeLifecycle(db, input, true);
  await db.update(agents).set({ retiredAt: null, lastActiveTs: nowIso() }).where(eq(agents.id, target.targetId));
  return { status: "active", agent: target.name, project: target.project.slug };
}

export async function hardDeleteAgent(
  db: Db,
  input: LifecycleInput & { confirmation: string },
): Promise<{ status: "hard_deleted"; agent: string; project: string; deleted_counts: { messages: number; receipts: number; contacts: number } }> {
  if (input.confirmation !== HARD_DELETE_CONFIRMATION) {
    throw new AppError("INVALID_ARGUMENT", `confirmation must be exactly "${HARD_DELETE_CONFIRMATION}"; hard delete removes the agent and every message it sent.`, {
      field: "confirmation",
    });
  }
  const target = await authorizeLifecycle(db, input, true);
  const id = target.targetId;
  const [counts] = await db.all<{ messages: number; receipts: number; contacts: number }>(sql`
    SELECT (SELECT count(*) FROM messages WHERE sender_id = ${id}) AS messages,
           (SELECT count(*) FROM message_recipients WHERE agent_id = ${id}) AS receipts,
           (SELECT count(*) FROM contacts WHERE from_agent_id = ${id} OR to_agent_id = ${id}) AS contacts`);
  // Explicit deletes in one batch rather than relying on ON DELETE CASCADE being enabled.
  await rawBatch(db, [
    ["DELETE FROM message_recipients WHERE message_id IN (SELECT id FROM messages WHERE sender_id = ?)", id],
    ["DELETE FROM messages WHERE sender_id = ?", id],
    ["DELETE FROM message_recipients WHERE agent_id = ?", id],
    ["DELETE FROM contacts WHERE from_agent_id = ? OR to_agent_id = ?", id, id],
    ["DELETE FROM mail_listeners WHERE agent_id = ?", id],
    ["DELETE FROM agents WHERE id = ?", id],
  ]);
  return {
    status: "hard_deleted",
    agent: target.name,
    project: target.project.slug,
    deleted_counts: { messages: Number(counts?.messages ?? 0), receipts: Number(counts?.receipts ?? 0), contacts: Number(counts?.contacts ?? 0) },
  };
}
