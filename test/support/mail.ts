/** Small builders for agent-mail end-to-end tests: a fresh project, registered agents, a send. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { callOk } from "./mcp";

export interface TestAgent {
  name: string;
  token: string;
  id: number;
}

let counter = 0;

/** A project with a unique key; returns its slug. */
export async function freshProject(client: Client, label = "mail"): Promise<string> {
  counter += 1;
  const project = await callOk<{ slug: string }>(client, "ensure_project", {
    human_key: `/e2e/${label}-${process.pid}-${Date.now()}-${counter}`,
  });
  return project.slug;
}

export async function registerAgent(client: Client, project: string, name?: string, extra: Record<string, unknown> = {}): Promise<TestAgent> {
  const agent = await callOk<{ name: string; registration_token: string; id: number }>(client, "register_agent", {
    project_key: project,
    program: "codex",
    model: "gpt-5",
    ...(name ? { name } : {}),
    ...extra,
  });
  return { name: agent.name, token: agent.registration_token, id: agent.id };
}

/** Agents whose policy is `open`, so tests about something else are not gated by contacts. */
export async function openAgents(client: Client, project: string, count: number): Promise<TestAgent[]> {
  const agents: TestAgent[] = [];
  for (let i = 0; i < count; i++) {
    const agent = await registerAgent(client, project);
    await callOk(client, "set_contact_policy", { project_key: project, agent_name: agent.name, policy: "open", registration_token: agent.token });
    agents.push(agent);
  }
  return agents;
}

export interface SendResult {
  count: number;
  deliveries: Array<{ project: string; payload: { id: number; subject: string; to: string[]; cc: string[]; bcc: string[]; thread_id: string | null } }>;
  broadcast_skipped?: Array<{ name: string; reason: string }>;
  warnings?: string[];
}

export function send(client: Client, project: string, from: TestAgent, args: Record<string, unknown>): Promise<SendResult> {
  return callOk<SendResult>(client, "send_message", {
    project_key: project,
    sender_name: from.name,
    sender_token: from.token,
    subject: "Hello",
    body_md: "Body",
    ...args,
  });
}
