/** Projects overview: the dashboard's landing page. */
import { Hono } from "hono";
import { createDb } from "../../db";
import { listProjects } from "../../mail";
import type { WebEnv } from "../env";
import { ProjectsPage } from "../pages/projects";

export const projectRoutes = new Hono<WebEnv>();

projectRoutes.get("/projects", async (c) => {
  const projects = await listProjects(createDb(c.env.DB));
  return c.html(<ProjectsPage projects={projects} csrfToken={c.get("csrfToken")} session={c.get("session")} />);
});
