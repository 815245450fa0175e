/**
 * Where mail meets the coordinator, as ports the mail context declares (structurally typed, so neither context
 * imports the other's internals):
 *  - an InboxNotifier that archives every delivered message (sends, replies, contact intros, notices) in the
 *    background, then passes the event on to the real push notifier;
 *  - ContactSignals for the `auto` contact policy: agents with overlapping active claims may message each other.
 */
import { eq } from "drizzle-orm";
import { projects, type Db } from "../db";
import { archiveStoredAgent, type ArchiveProject } from "./archive-d1";
import { followProjectMail } from "./archive-service";
import { coordinatorFor } from "./claims-service";

interface DeliveryEvent {
  projectId: number;
  agentIds: readonly number[];
  messageId: number;
  createdTs: string;
  /** The message's project, when the sender has it at hand (saves looking it up by id). */
  project?: ArchiveProject;
}

interface Notifier {
  notify(event: DeliveryEvent): Promise<void>;
}

async function projectById(db: Db, projectId: number): Promise<ArchiveProject | undefined> {
  const row = await db.query.projects.findFirst({ where: eq(projects.id, projectId) });
  return row ? { id: row.id, slug: row.slug, human_key: row.humanKey } : undefined;
}

/** Tells the project's archive about new mail, given only its id (never throws). */
async function followMailById(env: Env, db: Db, projectId: number): Promise<void> {
  try {
    const project = await projectById(db, projectId);
    if (project) await followProjectMail(env, project);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", event: "archive_follow_failed", projectId, error: String(err) }));
  }
}

/** Archives an agent's profile given its project id and agent id (never throws). */
export async function archiveAgentById(env: Env, db: Db, projectId: number, agentId: number): Promise<void> {
  const project = await projectById(db, projectId);
  if (project) await archiveStoredAgent(env, db, project, agentId);
}

/**
 * Wraps a push notifier so that each delivery also reaches the archive, off the request path: the project's
 * coordinator is told that D1 has new mail and commits it with the rest of the burst.
 */
export function archivingNotifier(env: Env, db: Db, waitUntil: (promise: Promise<unknown>) => void, inner?: Notifier): Notifier {
  return {
    async notify(event) {
      waitUntil(event.project ? followProjectMail(env, event.project) : followMailById(env, db, event.projectId));
      await inner?.notify(event);
    },
  };
}

/** The contact heuristic's claims signal, answered by the project's coordinator in one call. */
export function claimsContactSignals(env: Env, db: Db) {
  return {
    async overlappingClaimHolders(projectId: number, senderId: number, candidateIds: readonly number[]): Promise<ReadonlySet<number>> {
      if (candidateIds.length === 0) return new Set<number>();
      const project = await projectById(db, projectId);
      if (!project) return new Set<number>();
      return new Set(await coordinatorFor(env, project).overlappingHolders(senderId, [...candidateIds]));
    },
  };
}
