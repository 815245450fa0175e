/**
 * GET /mcp/events?project=<slug>&agent=<name>: a Server-Sent Events stream that announces new mail for
 * that agent, so it can stop polling fetch_inbox. Auth: the /mcp bearer (middleware) plus the agent's
 * registration token in `X-Agent-Token` (or `agent_token`, as resources take it). Each event is an MCP
 * `notifications/resources/updated` message for the agent's inbox resource.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { bearerTokenOf } from "../auth";
import { createDb } from "../db";
import { requireActingAgent } from "../mail";
import { mailEventsStub } from "../notifications";
import { AppError } from "../shared/errors";

export async function openMailEvents(c: Context<AppEnv>): Promise<Response> {
  const project = c.req.query("project");
  const agent = c.req.query("agent");
  if (!project || !agent) {
    throw new AppError("INVALID_ARGUMENT", "Pass ?project=<slug>&agent=<name> (and the agent's token in X-Agent-Token).", {
      field: project ? "agent" : "project",
    });
  }
  // An agent-bound connection (the agent's token is the bearer) needs no second copy of it.
  const bearer = c.get("principal").kind === "agent" ? bearerTokenOf(c.req.header("Authorization")) : undefined;
  const token = c.req.header("X-Agent-Token") ?? c.req.query("agent_token") ?? bearer;
  const acting = await requireActingAgent(createDb(c.env.DB), project, agent, token);
  const uri = `resource://inbox/${encodeURIComponent(acting.agent.name)}?project=${encodeURIComponent(acting.project.slug)}`;
  const target = new URL("https://mail-events/subscribe");
  target.searchParams.set("agent_id", String(acting.agent.id));
  target.searchParams.set("uri", uri);
  return mailEventsStub(c.env, acting.project.id).fetch(target, { signal: c.req.raw.signal });
}
