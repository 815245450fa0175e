/** Identity and directory tools: register, create, whois, list, retire/unretire, hard delete. */
import { z } from "zod";
import { createAgentIdentity, hardDeleteAgent, listAgents, registerAgent, retireAgent, unretireAgent, whois } from "../../mail";
import { archiveAgentById } from "../../coordinator";
import { defineTool, type ToolContext } from "../tool";
import { agentName, projectKey, registrationToken, tokenOf } from "./fields";

const program = z.string().max(128).describe("The agent's CLI, e.g. claude-code, codex, cursor.");
const model = z.string().max(128).describe("The model it runs, e.g. opus-4.1, gpt-5.");
const taskDescription = z.string().max(4000).optional().describe("What this agent is working on (shown in the directory).");

/** Commits the agent's profile to the project archive after the reply (agents/<Name>/profile.json). */
function archiveProfile(ctx: ToolContext) {
  return <T extends { id: number; project_id: number }>(agent: T): T => {
    ctx.waitUntil(archiveAgentById(ctx.env, ctx.db, agent.project_id, agent.id));
    return agent;
  };
}

export const registerAgentTool = defineTool({
  name: "register_agent",
  title: "Register agent",
  description:
    "Creates an agent identity in a project and returns its registration_token (shown only to the call that creates the agent; " +
    "keep it: every call acting as this agent needs it). Without a name you get a generated adjective+noun name (GreenCastle). " +
    "Explicit ids like alpha-one or cc-0 are kept verbatim; descriptive, program, email or broadcast names are replaced by a " +
    "generated one (see warnings). Re-registering an existing name needs its token and updates program/model/task_description.",
  input: z.object({
    project_key: projectKey,
    program,
    model,
    name: z.string().max(256).optional().describe("Requested name: adjective+noun (BlueLake) or an explicit id (alpha-one). Optional."),
    task_description: taskDescription,
    registration_token: registrationToken.describe("Required only to update an existing agent: its registration_token."),
  }),
  readOnly: false,
  run: (ctx, input) =>
    registerAgent(ctx.db, {
      projectKey: input.project_key,
      program: input.program,
      model: input.model,
      name: input.name,
      taskDescription: input.task_description,
      token: tokenOf(ctx, input.registration_token),
    }).then(archiveProfile(ctx)),
});

export const createAgentIdentityTool = defineTool({
  name: "create_agent_identity",
  title: "Create agent identity",
  description:
    "Always creates a new agent (never updates one) and returns it with its registration_token. name_hint is used when it is a " +
    "valid name that is still free; otherwise a generated name is used and warnings say why.",
  input: z.object({
    project_key: projectKey,
    program,
    model,
    name_hint: z.string().max(256).optional().describe("Preferred name, used if valid and free."),
    task_description: taskDescription,
  }),
  readOnly: false,
  run: (ctx, input) =>
    createAgentIdentity(ctx.db, {
      projectKey: input.project_key,
      program: input.program,
      model: input.model,
      name: input.name_hint,
      taskDescription: input.task_description,
    }).then(archiveProfile(ctx)),
});

export const whoisTool = defineTool({
  name: "whois",
  title: "Who is",
  description: "An agent's profile (program, model, task, contact policy, activity) and recent activity counts. Never returns a token.",
  input: z.object({ project_key: projectKey, agent_name: agentName("The agent to look up") }),
  readOnly: true,
  run: (ctx, input) => whois(ctx.db, input.project_key, input.agent_name),
});

export const listAgentsTool = defineTool({
  name: "list_agents",
  title: "List agents",
  description: "The project's agents, most recently active first, with unread counts; retired agents are listed separately.",
  input: z.object({
    project_key: projectKey,
    active_only: z.boolean().optional().describe("Leave retired agents out entirely (default false)."),
  }),
  readOnly: true,
  run: (ctx, input) => listAgents(ctx.db, input.project_key, input.active_only ?? false),
});

const lifecycleInput = {
  project_key: projectKey,
  agent_name: agentName("The agent to change"),
  registration_token: registrationToken.describe("The target agent's registration_token (or use actor_name + actor_token)."),
  actor_name: z.string().max(128).optional().describe("Another active agent of the project acting on the target's behalf (for agents whose token is lost)."),
  actor_token: z.string().max(512).optional().describe("actor_name's registration_token."),
};

function lifecycleArgs(ctx: Parameters<typeof tokenOf>[0], input: { project_key: string; agent_name: string; registration_token?: string | undefined; actor_name?: string | undefined; actor_token?: string | undefined }) {
  const viaActor = input.actor_name !== undefined && input.actor_name !== "";
  return {
    projectKey: input.project_key,
    agentName: input.agent_name,
    token: viaActor ? input.registration_token : tokenOf(ctx, input.registration_token),
    actorName: input.actor_name,
    actorToken: viaActor ? tokenOf(ctx, input.actor_token) : undefined,
  };
}

export const retireAgentTool = defineTool({
  name: "retire_agent",
  title: "Retire agent",
  description: "Retires an agent: it stays in the directory under retired_agents, receives no mail (AGENT_RETIRED) and cannot act until unretired.",
  input: z.object(lifecycleInput),
  readOnly: false,
  run: (ctx, input) => retireAgent(ctx.db, lifecycleArgs(ctx, input)),
});

export const unretireAgentTool = defineTool({
  name: "unretire_agent",
  title: "Unretire agent",
  description: "Makes a retired agent active again.",
  input: z.object(lifecycleInput),
  readOnly: false,
  run: (ctx, input) => unretireAgent(ctx.db, lifecycleArgs(ctx, input)),
});

export const hardDeleteAgentTool = defineTool({
  name: "hard_delete_agent",
  title: "Hard delete agent",
  description:
    'Deletes an agent, every message it sent, its receipts and contact links. Irreversible: confirmation must be exactly "I UNDERSTAND".',
  input: z.object({ ...lifecycleInput, confirmation: z.string().max(64).describe('Must be exactly "I UNDERSTAND".') }),
  readOnly: false,
  run: (ctx, input) => hardDeleteAgent(ctx.db, { ...lifecycleArgs(ctx, input), confirmation: input.confirmation }),
});
