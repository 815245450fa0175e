/**
 * Worker-side entry points of the archive. The mail context tells the project's coordinator about new mail after its
 * D1 write, in the background (`followProjectMail`); the coordinator reads the messages from D1 itself.
 *
 * A message is durable once D1 has it; the archive follows. Direct writes (`archiveMessage`, profiles) are
 * idempotent by key, retried here if the coordinator call itself fails, retried by the coordinator's alarm if the R2
 * upload fails, and anything still missing is re-derived from D1 by `repairArchive`.
 */
import type { ArchiveAgentProfile, ArchiveMessage } from "./archive/documents";
import type { ArchiveOutcome } from "./coordinator-impl";
import type { ArchiveProject } from "./archive-d1";
import { coordinatorFor, type ProjectRef } from "./claims-service";
import { MAIL_FOLLOW_PING_INTERVAL_MS } from "./constants";

/** Coordinator calls per archive write before giving up to the repair path. */
const ARCHIVE_CALL_ATTEMPTS = 3;

/** Backoff between those attempts, in milliseconds. */
const ARCHIVE_RETRY_BACKOFF_MS = [100, 500] as const;

/** Messages re-checked per coordinator round trip during repair. */
const REPAIR_PAGE_SIZE = 100;

async function withRetry<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= ARCHIVE_CALL_ATTEMPTS) {
        // Never thrown: this runs under waitUntil after the caller has its answer; repairArchive catches up.
        console.error(JSON.stringify({ level: "error", event: "archive_write_failed", what, error: String(err) }));
        return undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, ARCHIVE_RETRY_BACKOFF_MS[attempt - 1] ?? 1000));
    }
  }
}

/** Commits a message (canonical + outbox + inbox copies) to its project's archive. Idempotent by id; never throws. */
export function archiveMessage(env: Env, message: ArchiveMessage): Promise<ArchiveOutcome | undefined> {
  return withRetry(`message:${message.id}`, () => coordinatorFor(env, message.project).archiveMessage(message));
}

/** When this isolate last told each project's coordinator about new mail (project id → ms). */
const lastTold = new Map<number, number>();

/**
 * Tells a project's archive that D1 has new mail (the send path); it reads and commits the burst within about a
 * second. At most one tell per project per MAIL_FOLLOW_PING_INTERVAL_MS from this isolate: the pass an earlier
 * tell scheduled is followed by another that sees every send skipped here (MAIL_FOLLOW_TRAILING_MS). Never throws.
 */
export async function followProjectMail(env: Env, project: ArchiveProject): Promise<void> {
  const now = Date.now();
  if (now - (lastTold.get(project.id) ?? -Infinity) < MAIL_FOLLOW_PING_INTERVAL_MS) return;
  lastTold.set(project.id, now);
  const told = await withRetry(`mail:${project.slug}`, () => coordinatorFor(env, project).followMail(project).then(() => true));
  // Not told: the next send tells again instead of waiting out the interval.
  if (!told) lastTold.delete(project.id);
}

/** Commits an agent's profile (on register and profile updates). Never throws. */
export function archiveAgentProfile(env: Env, project: ProjectRef, profile: ArchiveAgentProfile): Promise<ArchiveOutcome | undefined> {
  return withRetry(`profile:${profile.name}`, () => coordinatorFor(env, project).archiveProfile(project.slug, profile));
}

export interface RepairReport {
  checked: number;
  repaired: number[];
  head: string | null;
  pending: number;
}

/**
 * Re-derives missing archive entries from D1: pages through the project's messages (oldest first) with the
 * loader the mail context provides, asks the coordinator which ids are committed and archives the rest.
 */
export async function repairArchive(
  env: Env,
  project: ProjectRef,
  loadMessages: (afterId: number, limit: number) => Promise<ArchiveMessage[]>,
): Promise<RepairReport> {
  const stub = coordinatorFor(env, project);
  // First what the archive would commit anyway (mail past its cursor, queued jobs), so only true gaps are repaired.
  await stub.flushArchive(project.slug);
  const repaired: number[] = [];
  let checked = 0;
  let afterId = 0;
  for (;;) {
    const page = await loadMessages(afterId, REPAIR_PAGE_SIZE);
    if (page.length === 0) break;
    checked += page.length;
    const done = new Set(await stub.archivedMessageIds(page.map((m) => m.id)));
    const missing = page.filter((message) => !done.has(message.id));
    if (missing.length > 0) await stub.queueMessages(missing);
    repaired.push(...missing.map((message) => message.id));
    afterId = page.at(-1)!.id;
  }
  // The gaps go in together: one commit (or a few, for many) instead of one per message.
  await stub.flushArchive(project.slug);
  const head = await stub.archiveHead();
  return { checked, repaired, head: head.oid, pending: head.pending };
}
