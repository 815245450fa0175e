/**
 * Reads the archive's recent history (`git log` for the dashboard): from the head the coordinator reports,
 * follows first parents through the loose commit objects in R2 (zlib-deflated `commit <size>\0<body>`).
 * Read-only and bounded; a missing object ends the walk instead of failing the page.
 */
import { coordinatorFor, type ProjectRef } from "../claims-service";
import { objectPrefix } from "./writer";

/** Commits a page shows; each costs one R2 read. */
export const ARCHIVE_LOG_MAX = 50;

export interface ArchiveCommit {
  oid: string;
  message: string;
  author: string;
  /** ISO-8601 UTC, from the committer line */
  committed_ts: string;
}

export async function recentArchiveCommits(env: Env, project: ProjectRef, limit = 20): Promise<{ head: string | null; commits: ArchiveCommit[] }> {
  const head = await coordinatorFor(env, project).archiveHead();
  const commits: ArchiveCommit[] = [];
  let oid: string | undefined = head.oid ?? undefined;
  while (oid && commits.length < Math.min(limit, ARCHIVE_LOG_MAX)) {
    const body = await readCommit(env, project.slug, oid);
    if (body === undefined) break;
    commits.push({ oid, ...parseCommit(body) });
    oid = /^parent ([0-9a-f]{40})$/m.exec(body)?.[1];
  }
  return { head: head.oid ?? null, commits };
}

async function readCommit(env: Env, slug: string, oid: string): Promise<string | undefined> {
  const object = await env.ARCHIVE.get(`${objectPrefix(slug)}objects/${oid.slice(0, 2)}/${oid.slice(2)}`);
  if (!object) return undefined;
  const inflated = await new Response(object.body.pipeThrough(new DecompressionStream("deflate"))).text();
  const nul = inflated.indexOf("\0");
  return inflated.startsWith("commit ") && nul > 0 ? inflated.slice(nul + 1) : undefined;
}

function parseCommit(body: string): Omit<ArchiveCommit, "oid"> {
  const blank = body.indexOf("\n\n");
  const headers = blank < 0 ? body : body.slice(0, blank);
  const message = blank < 0 ? "" : body.slice(blank + 2).trim();
  const author = /^author (.*?) <[^>]*> \d+ [+-]\d{4}$/m.exec(headers)?.[1] ?? "";
  const seconds = Number(/^committer .*? (\d+) [+-]\d{4}$/m.exec(headers)?.[1] ?? 0);
  return { message, author, committed_ts: new Date(seconds * 1000).toISOString() };
}
