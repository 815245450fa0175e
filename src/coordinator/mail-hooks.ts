/**
 * Where mail meets the coordinator, as ports the mail context declares (structurally typed, so neither context
 * imports the other's internals):
 *  - an InboxNotifier that archives every delivered message (sends, replies, contact intros, notices) in the
 *    background, then passes the event on to the real push notifier;
 *  - ContactSignals for the `auto` contact policy: agents with overlapping active claims may message each other.
 */
import { eq } from "drizzle-orm";
import { projects, type Db } from "../db";
import type { ArchiveMessage } from "./archive/documents";
import { archiveStoredAgent, archiveStoredMessage, type ArchiveProject } from "./archive-d1";
import { queueMessageArchive } from "./archive-service";
import { coordinatorFor } from "./claims-service";

interface DeliveryEvent {
  projectId: number;
  agentIds: readonly number[];
  messageId: number;
  createdTs: string;
  /** The stored message, when the sender passes it along: archived as is, without reading it back from D1. */
  message?: ArchiveMessage;
}

interface Notifier {
  notify(event: DeliveryEvent): Promise<void>;
}

async function projectById(db: Db, projectId: number): Promise<ArchiveProject | undefined> {
  const row = await db.query.projects.findFirst({ where: eq(projects.id, projectId) });
  return row ? { id: row.id, slug: row.slug, human_key: row.humanKey } : undefined;
}

/** Archives a stored message given only its project id and message id (never throws). */
export async function archiveMessageById(env: Env, db: Db, projectId: number, messageId: number): Promise<void> {
  const project = await projectById(db, projectId);
  if (project) await archiveStoredMessage(env, db, project, messageId);
}

/** Archives an agent's profile given its project id and agent id (never throws). */
export async function archiveAgentById(env: Env, db: Db, projectId: number, agentId: number): Promise<void> {
  const project = await projectById(db, projectId);
  if (project) await archiveStoredAgent(env, db, project, agentId);
}

/** Wraps a push notifier so that each delivery is also committed to the archive, off the request path. */
export function archivingNotifier(env: Env, db: Db, waitUntil: (promise: Promise<unknown>) => void, inner?: Notifier): Notifier {
  return {
    async notify(event) {
      waitUntil(event.message ? queueMessageArchive(env, event.message) : archiveMessageById(env, db, event.projectId, event.messageId));
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
