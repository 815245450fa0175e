/** Agent-mail pages: adapters over the mail context's overseer services. */
import { Hono } from "hono";
import { archivingNotifier } from "../../coordinator";
import { createDb } from "../../db";
import { listAgents, overseerMailbox, overseerSearch, overseerThread, sendAsOverseer } from "../../mail";
import { durableNotifier } from "../../notifications";
import type { WebEnv } from "../env";
import { writerSession } from "../guards";
import { AgentMailPage, projectHref, ProjectPage, SearchPage, ThreadPage } from "../pages/project";

export const mailRoutes = new Hono<WebEnv>();

mailRoutes.get("/projects/:slug", async (c) => {
  const { project, agents, retired_agents } = await listAgents(createDb(c.env.DB), c.req.param("slug"));
  return c.html(
    <ProjectPage
      slug={project.slug}
      humanKey={project.human_key}
      agents={agents}
      retired={retired_agents}
      csrfToken={c.get("csrfToken")}
      session={c.get("session")}
    />,
  );
});

mailRoutes.get("/projects/:slug/agents/:name", async (c) => {
  const box = c.req.query("box") === "outbox" ? "outbox" : "inbox";
  const { acting, inbox, outbox } = await overseerMailbox(createDb(c.env.DB), c.req.param("slug"), c.req.param("name"), box);
  return c.html(
    <AgentMailPage
      slug={acting.project.slug}
      agent={acting.agent.name}
      box={box}
      {...(inbox ? { inbox } : {})}
      {...(outbox ? { outbox } : {})}
      csrfToken={c.get("csrfToken")}
      session={c.get("session")}
    />,
  );
});

mailRoutes.get("/projects/:slug/threads/:thread", async (c) => {
  const { project, messages } = await overseerThread(createDb(c.env.DB), c.req.param("slug"), c.req.param("thread"));
  return c.html(
    <ThreadPage slug={project.slug} threadId={c.req.param("thread")} messages={messages} csrfToken={c.get("csrfToken")} session={c.get("session")} />,
  );
});

mailRoutes.get("/projects/:slug/search", async (c) => {
  const query = (c.req.query("q") ?? "").slice(0, 500);
  const { project, hits } = await overseerSearch(createDb(c.env.DB), c.req.param("slug"), query);
  return c.html(<SearchPage slug={project.slug} query={query} hits={hits} csrfToken={c.get("csrfToken")} session={c.get("session")} />);
});

mailRoutes.post("/projects/:slug/send", async (c) => {
  writerSession(c);
  const form = await c.req.formData();
  const slug = c.req.param("slug");
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const db = createDb(c.env.DB);
  const stored = await sendAsOverseer(
    db,
    {
      projectKey: slug,
      to: form.getAll("to").map(String),
      subject: String(form.get("subject") ?? ""),
      bodyMd: String(form.get("body_md") ?? ""),
      threadId: String(form.get("thread_id") ?? ""),
    },
    // Archived and pushed like any delivery.
    archivingNotifier(c.env, db, waitUntil, durableNotifier(c.env, waitUntil)),
  );
  const thread = String(form.get("thread_id") ?? "").trim() || String(stored.id);
  return c.redirect(projectHref(slug, `/threads/${encodeURIComponent(thread)}#m${stored.id}`), 303);
});
