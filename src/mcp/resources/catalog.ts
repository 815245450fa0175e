/**
 * The resources this server publishes: three fixed ones and the agent-mail templates. Reading parses
 * the URI itself (see uri.ts) and calls one service per resource. Agent-scoped resources authenticate
 * with `agent_token` (or an agent bearer) like tools do with registration_token.
 */
import {
  fetchInbox,
  fetchOutbox,
  listAgents,
  loadThread,
  loadVisibleMessage,
  messageView,
  requireActingAgent,
  resolveProject,
  type ActingAgent,
} from "../../mail";
import { AppError } from "../../shared/errors";
import type { ToolContext } from "../tool";
import { configEnvironment, toolingDirectory, toolingMetrics } from "./tooling";
import { boolParam, intParam, parseResourceUri, requiredParam, stringParam, type ParsedResourceUri } from "./uri";

const JSON_MIME = "application/json";

export const FIXED_RESOURCES = [
  { uri: "resource://tooling/directory", name: "tooling-directory", title: "Tool directory", description: "Every tool by cluster, with playbooks." },
  { uri: "resource://tooling/metrics", name: "tooling-metrics", title: "Tool metrics", description: "Calls and errors per tool." },
  { uri: "resource://config/environment", name: "config-environment", title: "Environment", description: "Non-secret server settings." },
].map((r) => ({ ...r, mimeType: JSON_MIME }));

const agentQuery = "{?project,since_ts,urgent_only,unread_only,topic,include_bodies,limit,agent_token}";

export const RESOURCE_TEMPLATES = [
  { uriTemplate: `resource://inbox/{agent}${agentQuery}`, name: "inbox", description: "An agent's inbox, newest first (never marks read). GET /mcp/events pushes new-mail notices for it." },
  { uriTemplate: "resource://outbox/{agent}{?project,since_ts,include_bodies,limit,agent_token}", name: "outbox", description: "Messages an agent sent, with recipients." },
  { uriTemplate: "resource://message/{id}{?project,agent,agent_token}", name: "message", description: "One message with body, as the viewing agent may see it." },
  { uriTemplate: "resource://thread/{thread_id}{?project,agent,agent_token,include_bodies}", name: "thread", description: "A thread's messages visible to the agent, oldest first." },
  { uriTemplate: "resource://agents/{project}", name: "agents", description: "The project's agent directory with unread counts." },
  { uriTemplate: "resource://project/{slug}", name: "project", description: "A project and its agents." },
  { uriTemplate: "resource://views/urgent-unread/{agent}{?project,limit,agent_token}", name: "urgent-unread", description: "High/urgent messages not yet read." },
  { uriTemplate: "resource://views/ack-required/{agent}{?project,limit,agent_token}", name: "ack-required", description: "Messages awaiting the agent's acknowledgement." },
  { uriTemplate: "resource://views/ack-overdue/{agent}{?project,ttl_minutes,limit,agent_token}", name: "ack-overdue", description: "Acknowledgements pending longer than ttl_minutes (default 60)." },
].map((t) => ({ ...t, mimeType: JSON_MIME }));

export async function readResource(ctx: ToolContext, uri: string): Promise<{ contents: Array<{ uri: string; mimeType: string; text: string }> }> {
  const parsed = parseResourceUri(uri);
  const body = await dispatch(ctx, parsed);
  return { contents: [{ uri, mimeType: JSON_MIME, text: JSON.stringify(body) }] };
}

async function actingFor(ctx: ToolContext, parsed: ParsedResourceUri, agentParam?: string): Promise<ActingAgent> {
  const agent = agentParam ?? requireValue(parsed, "agent name");
  const project = requiredParam(parsed.params, "project", `resource://${parsed.route}/${agent}?project=<slug>`);
  return requireActingAgent(ctx.db, project, agent, stringParam(parsed.params, "agent_token") ?? ctx.agentBearer);
}

function requireValue(parsed: ParsedResourceUri, what: string): string {
  if (parsed.value === "") throw new AppError("INVALID_ARGUMENT", `resource://${parsed.route}/… needs the ${what} after the last slash.`);
  return parsed.value;
}

async function dispatch(ctx: ToolContext, parsed: ParsedResourceUri): Promise<unknown> {
  const p = parsed.params;
  switch (parsed.route) {
    case "tooling/directory":
      return toolingDirectory();
    case "tooling/metrics":
      return toolingMetrics(ctx.db);
    case "config/environment":
      return configEnvironment(ctx.env);
    case "agents":
      return listAgents(ctx.db, requireValue(parsed, "project slug"));
    case "project": {
      const project = await resolveProject(ctx.db, requireValue(parsed, "project slug"));
      const directory = await listAgents(ctx.db, project.slug);
      return { ...project, agents: directory.agents.map((a) => a.name), retired_agents: directory.retired_agents.map((a) => a.name) };
    }
    case "inbox":
    case "views/urgent-unread":
    case "views/ack-required":
    case "views/ack-overdue": {
      const acting = await actingFor(ctx, parsed);
      const ttlMinutes = intParam(p, "ttl_minutes") ?? 60;
      const messages = await fetchInbox(ctx.db, acting, {
        sinceTs: stringParam(p, "since_ts"),
        urgentOnly: parsed.route === "views/urgent-unread" || boolParam(p, "urgent_only"),
        unreadOnly: parsed.route === "views/urgent-unread" || boolParam(p, "unread_only"),
        topic: stringParam(p, "topic"),
        includeBodies: boolParam(p, "include_bodies"),
        limit: intParam(p, "limit"),
        ackPending: parsed.route === "views/ack-required" || parsed.route === "views/ack-overdue",
        olderThan: parsed.route === "views/ack-overdue" ? new Date(Date.now() - Math.max(0, ttlMinutes) * 60_000).toISOString() : undefined,
      });
      return { project: acting.project.slug, agent: acting.agent.name, count: messages.length, messages };
    }
    case "outbox": {
      const acting = await actingFor(ctx, parsed);
      const messages = await fetchOutbox(ctx.db, acting, {
        sinceTs: stringParam(p, "since_ts"),
        includeBodies: boolParam(p, "include_bodies"),
        limit: intParam(p, "limit"),
      });
      return { project: acting.project.slug, agent: acting.agent.name, count: messages.length, messages };
    }
    case "message": {
      const id = requireValue(parsed, "message id");
      if (!/^\d{1,15}$/.test(id)) throw new AppError("INVALID_ARGUMENT", `Message ids are numbers; got ${JSON.stringify(id.slice(0, 40))}.`);
      const acting = await actingFor(ctx, parsed, requiredParam(p, "agent", `resource://message/${id}?project=<slug>&agent=<name>`));
      return messageView(await loadVisibleMessage(ctx.db, acting, Number(id)));
    }
    case "thread": {
      const threadId = requireValue(parsed, "thread id");
      const acting = await actingFor(ctx, parsed, requiredParam(p, "agent", `resource://thread/${threadId}?project=<slug>&agent=<name>`));
      const includeBodies = boolParam(p, "include_bodies") ?? true;
      const messages = await loadThread(ctx.db, acting, threadId);
      return {
        project: acting.project.slug,
        thread_id: threadId,
        messages: messages.map(({ body_md, ...m }) => (includeBodies ? { ...m, body_md } : m)),
      };
    }
    default:
      throw new AppError(
        "NOT_FOUND",
        `Unknown resource ${JSON.stringify(`resource://${parsed.route}`)}; see resources/list and resources/templates/list.`,
      );
  }
}
