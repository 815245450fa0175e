/**
 * The archive's recent history (`git log` for the dashboard), as the coordinator recorded it with each commit:
 * no pack is read back from R2. Commits made before the coordinator kept this record are not listed.
 */
import { coordinatorFor, type ProjectRef } from "../claims-service";
import type { ArchiveLogEntry } from "./writer";

/** Most commits one page shows. */
export const ARCHIVE_LOG_MAX = 50;

export type ArchiveCommit = ArchiveLogEntry;

export async function recentArchiveCommits(env: Env, project: ProjectRef, limit = 20): Promise<{ head: string | null; commits: ArchiveCommit[] }> {
  const stub = coordinatorFor(env, project);
  const [head, commits] = await Promise.all([stub.archiveHead(), stub.archiveLog(Math.min(limit, ARCHIVE_LOG_MAX))]);
  return { head: head.oid ?? null, commits: commits as ArchiveCommit[] };
}
