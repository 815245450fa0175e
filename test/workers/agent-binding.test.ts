/** Agent-bound connections: arguments filled from, and checked against, the agent the bearer belongs to. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Principal } from "../../src/auth";
import { actingAgentField, bindAgentArguments } from "../../src/mcp/agent-binding";
import { defineTool } from "../../src/mcp/tool";
import { AppError } from "../../src/shared/errors";

const run = async () => ({});
const sendTool = defineTool({
  name: "send_like",
  title: "t",
  description: "d",
  readOnly: false,
  input: z.object({ project_key: z.string(), sender_name: z.string(), to: z.array(z.string()), sender_token: z.string().optional() }),
  run,
});
const inboxTool = defineTool({
  name: "inbox_like",
  title: "t",
  description: "d",
  readOnly: true,
  input: z.object({ project_key: z.string(), agent_name: z.string(), registration_token: z.string().optional() }),
  run,
});
const respondTool = defineTool({
  name: "respond_like",
  title: "t",
  description: "d",
  readOnly: false,
  actsAs: "to_agent",
  input: z.object({ project_key: z.string(), to_agent: z.string(), from_agent: z.string(), registration_token: z.string().optional() }),
  run,
});
const whoisTool = defineTool({
  name: "whois_like",
  title: "t",
  description: "d",
  readOnly: true,
  input: z.object({ project_key: z.string(), agent_name: z.string() }),
  run,
});

const agentPrincipal: Principal = {
  kind: "agent",
  id: "agent:7",
  role: "writer",
  agent: { projectId: 3, projectSlug: "srv-backend", projectHumanKey: "/srv/backend", agentId: 7, name: "GreenCastle" },
};
const staticPrincipal: Principal = { kind: "static", id: "static", role: "writer" };

function forbiddenBy(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected FORBIDDEN");
}

describe("which tools act as an agent", () => {
  it("finds the acting name field from the token field the schema takes", () => {
    expect(actingAgentField(sendTool)).toBe("sender_name");
    expect(actingAgentField(inboxTool)).toBe("agent_name");
    expect(actingAgentField(respondTool)).toBe("to_agent");
  });

  it("leaves tools that only look agents up alone (whois names a target, not an actor)", () => {
    expect(actingAgentField(whoisTool)).toBeUndefined();
    expect(bindAgentArguments(whoisTool, agentPrincipal, { project_key: "other", agent_name: "BlueLake" })).toEqual({
      project_key: "other",
      agent_name: "BlueLake",
    });
  });
});

describe("bindAgentArguments", () => {
  it("fills a missing project and agent name from the credential", () => {
    expect(bindAgentArguments(sendTool, agentPrincipal, { to: ["BlueLake"] })).toEqual({
      to: ["BlueLake"],
      project_key: "srv-backend",
      sender_name: "GreenCastle",
    });
  });

  it("accepts the bound agent named explicitly, by path or slug, in any letter case", () => {
    const args = { project_key: "/srv/backend", agent_name: "greencastle" };
    expect(bindAgentArguments(inboxTool, agentPrincipal, args)).toEqual(args);
    expect(bindAgentArguments(inboxTool, agentPrincipal, { project_key: "srv-backend", agent_name: "GreenCastle" })).toBeDefined();
  });

  it("refuses to act as another agent with FORBIDDEN, even when that agent's token is in the arguments", () => {
    const err = forbiddenBy(() =>
      bindAgentArguments(inboxTool, agentPrincipal, { project_key: "srv-backend", agent_name: "BlueLake", registration_token: "t" }),
    );
    expect(err.type).toBe("FORBIDDEN");
    expect(err.message).toContain("bound to agent GreenCastle");
  });

  it("refuses another project with FORBIDDEN", () => {
    expect(forbiddenBy(() => bindAgentArguments(sendTool, agentPrincipal, { project_key: "/srv/frontend", to: [] })).type).toBe("FORBIDDEN");
  });

  it("uses the tool's declared acting field (respond_contact acts as to_agent)", () => {
    expect(bindAgentArguments(respondTool, agentPrincipal, { from_agent: "BlueLake" })).toEqual({
      from_agent: "BlueLake",
      project_key: "srv-backend",
      to_agent: "GreenCastle",
    });
  });

  it("fills and checks a project named by path (human_key, as macro_start_session takes it)", () => {
    const macro = defineTool({
      name: "macro_like",
      title: "t",
      description: "d",
      readOnly: false,
      input: z.object({ human_key: z.string(), agent_name: z.string(), registration_token: z.string().optional() }),
      run,
    });
    expect(bindAgentArguments(macro, agentPrincipal, {})).toEqual({ human_key: "/srv/backend", agent_name: "GreenCastle" });
    expect(forbiddenBy(() => bindAgentArguments(macro, agentPrincipal, { human_key: "/srv/elsewhere" })).type).toBe("FORBIDDEN");
  });

  it("changes nothing for other credentials", () => {
    const args = { project_key: "x", agent_name: "Anyone" };
    expect(bindAgentArguments(inboxTool, staticPrincipal, args)).toBe(args);
  });
});
