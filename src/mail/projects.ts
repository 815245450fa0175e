/**
 * Projects: created from an absolute working-directory path (the human key), addressed by that path
 * or by its slug. Symlinks are never resolved: merging distinct paths silently is worse than a duplicate.
 */
import { desc, eq, or } from "drizzle-orm";
import { projects, type Db, type ProjectRow } from "../db";
import { AppError } from "../shared/errors";
import { nowIso } from "../shared/time";

export interface Project {
  id: number;
  slug: string;
  human_key: string;
  created_at: string;
}

/** lowercase, runs of non-[a-z0-9] → "-", trimmed: `/data/projects/backend` → `data-projects-backend`. */
export function slugify(key: string): string {
  return key
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** POSIX absolute (`/x`) or Windows absolute (`C:\x`, `C:/x`, `\\server\share`). */
export function isAbsolutePath(key: string): boolean {
  return key.startsWith("/") || /^[A-Za-z]:[\\/]/.test(key) || key.startsWith("\\\\");
}

export function toProject(row: ProjectRow): Project {
  return { id: row.id, slug: row.slug, human_key: row.humanKey, created_at: row.createdAt };
}

/** Idempotent: concurrent calls for one key all return the same row (insert-or-ignore, then read). */
export async function ensureProject(db: Db, humanKey: string): Promise<Project> {
  const key = humanKey.trim();
  if (!isAbsolutePath(key)) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `human_key must be an absolute path (e.g. /home/me/backend); got ${JSON.stringify(key.slice(0, 200))}. Pass the absolute path of your working directory.`,
      { field: "human_key" },
    );
  }
  const slug = slugify(key);
  if (slug === "") {
    throw new AppError("INVALID_ARGUMENT", "human_key must contain at least one letter or digit, e.g. /srv/app.", {
      field: "human_key",
    });
  }
  await db.insert(projects).values({ slug, humanKey: key, createdAt: nowIso() }).onConflictDoNothing();
  const row = await db.query.projects.findFirst({ where: eq(projects.slug, slug) });
  if (!row) throw new Error(`project ${slug} vanished after insert`);
  return toProject(row);
}

/**
 * Looks a project up by absolute path, slug, or anything that slugifies to an existing slug.
 * Unknown keys fail NOT_FOUND with up to three "did you mean" suggestions.
 */
export async function resolveProject(db: Db, projectKey: string): Promise<Project> {
  const key = projectKey.trim();
  const slug = slugify(key);
  const row = await db.query.projects.findFirst({
    where: or(eq(projects.slug, slug), eq(projects.humanKey, key)),
  });
  if (row) return toProject(row);
  const suggestions = await suggestProjects(db, slug);
  const hint = suggestions.length > 0 ? ` Did you mean: ${suggestions.join(", ")}?` : "";
  throw new AppError(
    "NOT_FOUND",
    `Project ${JSON.stringify(key.slice(0, 200))} not found. Call ensure_project with the absolute path first.${hint}`,
    { project_key: key.slice(0, 200), suggestions },
  );
}

async function suggestProjects(db: Db, slug: string): Promise<string[]> {
  const all = await db.select({ slug: projects.slug }).from(projects).limit(500);
  const parts = slug.split("-").filter((p) => p.length > 1);
  return all
    .map((p) => p.slug)
    .filter((candidate) => parts.some((part) => candidate.includes(part)))
    .slice(0, 3);
}

/** Every project, newest first (the dashboard's overview); bounded so a huge deployment stays responsive. */
export async function listProjects(db: Db, limit = 500): Promise<Project[]> {
  const rows = await db.select().from(projects).orderBy(desc(projects.createdAt), desc(projects.id)).limit(limit);
  return rows.map(toProject);
}
