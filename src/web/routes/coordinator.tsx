/** Claims and archive pages: adapters over the coordinator context. */
import { Hono } from "hono";
import { listClaims, recentArchiveCommits } from "../../coordinator";
import { createDb } from "../../db";
import { resolveProject } from "../../mail";
import type { WebEnv } from "../env";
import { ArchivePage, ClaimsPage } from "../pages/coordinator";

/** Commits the archive page lists. */
const ARCHIVE_PAGE_COMMITS = 30;

export const coordinatorRoutes = new Hono<WebEnv>();

coordinatorRoutes.get("/projects/:slug/claims", async (c) => {
  const project = await resolveProject(createDb(c.env.DB), c.req.param("slug"));
  const claims = await listClaims(c.env, project, true);
  return c.html(<ClaimsPage slug={project.slug} claims={claims} csrfToken={c.get("csrfToken")} session={c.get("session")} />);
});

coordinatorRoutes.get("/projects/:slug/archive", async (c) => {
  const project = await resolveProject(createDb(c.env.DB), c.req.param("slug"));
  const { head, commits } = await recentArchiveCommits(c.env, project, ARCHIVE_PAGE_COMMITS);
  const cloneUrl = `${c.env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/archive/${project.slug}.git`;
  return c.html(
    <ArchivePage slug={project.slug} head={head} commits={commits} cloneUrl={cloneUrl} csrfToken={c.get("csrfToken")} session={c.get("session")} />,
  );
});
