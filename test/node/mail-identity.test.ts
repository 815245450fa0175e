/** Identity and roster over real MCP: register, coerce, whois, list_agents, retire/unretire/hard delete. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, openAgents, registerAgent, send } from "../support/mail";
import { callError, callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let client: Client;

beforeAll(async () => {
  client = await connectMcp(url, token);
});
afterAll(async () => {
  await client.close();
});

describe("register_agent", () => {
  it("returns the profile and a token once; re-registering needs the token and never rotates it", async () => {
    const project = await freshProject(client);
    const first = await callOk<Record<string, unknown>>(client, "register_agent", {
      project_key: project, program: "claude-code", model: "opus", name: "alpha-one", task_description: "parser",
    });
    expect(first).toMatchObject({ name: "alpha-one", program: "claude-code", model: "opus", task_description: "parser" });
    expect(typeof first.registration_token).toBe("string");
    expect((await callError(client, "register_agent", { project_key: project, program: "x", model: "y", name: "ALPHA-ONE" })).type).toBe(
      "AUTHENTICATION_REQUIRED",
    );
    const again = await callOk<Record<string, unknown>>(client, "register_agent", {
      project_key: project, program: "codex", model: "gpt-5", name: "alpha-one", registration_token: first.registration_token,
    });
    expect(again).toMatchObject({ id: first.id, program: "codex", registration_token: null });
  });

  it("coerces a program name to a generated one and says so", async () => {
    const project = await freshProject(client);
    const agent = await callOk<{ name: string; warnings: string[] }>(client, "register_agent", {
      project_key: project, program: "codex", model: "gpt-5", name: "codex",
    });
    expect(agent.name).toMatch(/^[A-Z][a-z]+[A-Z][a-z]+$/);
    expect(agent.warnings[0]).toContain("codex");
  });

  it("rejects empty program / model with EMPTY_PROGRAM / EMPTY_MODEL and an unknown project with NOT_FOUND", async () => {
    const project = await freshProject(client);
    expect((await callError(client, "register_agent", { project_key: project, program: "", model: "m" })).type).toBe("EMPTY_PROGRAM");
    expect((await callError(client, "register_agent", { project_key: project, program: "p", model: "" })).type).toBe("EMPTY_MODEL");
    expect((await callError(client, "register_agent", { project_key: "/no/such/place", program: "p", model: "m" })).type).toBe("NOT_FOUND");
  });

  it("create_agent_identity always creates a new agent", async () => {
    const project = await freshProject(client);
    const a = await callOk<{ id: number; name: string }>(client, "create_agent_identity", { project_key: project, program: "p", model: "m", name_hint: "worker_1" });
    const b = await callOk<{ id: number; name: string }>(client, "create_agent_identity", { project_key: project, program: "p", model: "m", name_hint: "worker_1" });
    expect(a.name).toBe("worker_1");
    expect(b.id).not.toBe(a.id);
  });
});

describe("whois and list_agents", () => {
  it("whois shows a profile and activity but never a token", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    await send(client, project, a!, { to: b!.name });
    const profile = await callOk<Record<string, unknown>>(client, "whois", { project_key: project, agent_name: a!.name.toLowerCase() });
    expect(profile.name).toBe(a!.name);
    expect(profile.recent_activity).toMatchObject({ sent_last_24h: 1 });
    expect(JSON.stringify(profile)).not.toContain(a!.token);
    expect(profile).not.toHaveProperty("registration_token");
    expect((await callError(client, "whois", { project_key: project, agent_name: "NoSuchAgent" })).type).toBe("NOT_FOUND");
  });

  it("list_agents reports unread counts and lists retired agents separately", async () => {
    const project = await freshProject(client);
    const [a, b, c] = await openAgents(client, project, 3);
    await send(client, project, a!, { to: b!.name });
    await send(client, project, a!, { to: b!.name });
    await callOk(client, "retire_agent", { project_key: project, agent_name: c!.name, registration_token: c!.token });
    const list = await callOk<{ agents: Array<{ name: string; unread_count: number }>; retired_agents: Array<{ name: string }> }>(client, "list_agents", {
      project_key: project,
    });
    expect(list.agents.find((x) => x.name === b!.name)?.unread_count).toBe(2);
    expect(list.retired_agents.map((x) => x.name)).toEqual([c!.name]);
    const active = await callOk<{ retired_agents: unknown[] }>(client, "list_agents", { project_key: project, active_only: true });
    expect(active.retired_agents).toEqual([]);
  });
});

describe("retire, unretire, hard delete", () => {
  it("a retired agent cannot act (AGENT_RETIRED) until unretired", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    await callOk(client, "retire_agent", { project_key: project, agent_name: a!.name, registration_token: a!.token });
    expect((await callError(client, "send_message", { project_key: project, sender_name: a!.name, sender_token: a!.token, to: [b!.name], subject: "s", body_md: "b" })).type).toBe(
      "AGENT_RETIRED",
    );
    await callOk(client, "unretire_agent", { project_key: project, agent_name: a!.name, registration_token: a!.token });
    expect((await send(client, project, a!, { to: b!.name })).count).toBe(1);
  });

  it("lets another active agent retire an agent whose token is lost, but not a stranger without a token", async () => {
    const project = await freshProject(client);
    const [a, zombie] = await openAgents(client, project, 2);
    expect((await callError(client, "retire_agent", { project_key: project, agent_name: zombie!.name })).type).toBe("AUTHENTICATION_REQUIRED");
    const retired = await callOk<{ status: string }>(client, "retire_agent", {
      project_key: project, agent_name: zombie!.name, actor_name: a!.name, actor_token: a!.token,
    });
    expect(retired.status).toBe("retired");
  });

  it("hard delete needs the exact confirmation and removes the agent and its sent mail", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    await send(client, project, a!, { to: b!.name });
    const base = { project_key: project, agent_name: a!.name, registration_token: a!.token };
    expect((await callError(client, "hard_delete_agent", { ...base, confirmation: "yes" })).type).toBe("INVALID_ARGUMENT");
    const deleted = await callOk<{ status: string; deleted_counts: { messages: number } }>(client, "hard_delete_agent", { ...base, confirmation: "I UNDERSTAND" });
    expect(deleted).toMatchObject({ status: "hard_deleted", deleted_counts: { messages: 1 } });
    expect((await callError(client, "whois", { project_key: project, agent_name: a!.name })).type).toBe("NOT_FOUND");
    const inbox = await callOk<{ messages: unknown[] }>(client, "fetch_inbox", { project_key: project, agent_name: b!.name, registration_token: b!.token });
    expect(inbox.messages).toEqual([]);
  });
});

describe("macros", () => {
  it("macro_start_session ensures the project, registers and returns the inbox", async () => {
    const key = `/e2e/macro-${Date.now()}`;
    const session = await callOk<{ project: { slug: string }; agent: { name: string }; registration_token: string; inbox: unknown[] }>(client, "macro_start_session", {
      human_key: key, program: "codex", model: "gpt-5", task_description: "macros",
    });
    expect(session.project.slug).toBe(key.slice(1).replace(/[^a-z0-9]+/g, "-"));
    expect(typeof session.registration_token).toBe("string");
    expect(session.inbox).toEqual([]);
  });

  it("macro_prepare_thread summarises the thread for an authenticated agent", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    await send(client, project, a!, { to: b!.name, thread_id: "PREP-1", body_md: "- [ ] do it" });
    const prepared = await callOk<{ thread: { total_messages: number; summary: { open_actions: number } }; inbox: unknown[] }>(client, "macro_prepare_thread", {
      project_key: project, thread_id: "PREP-1", program: "codex", model: "gpt-5", agent_name: b!.name, registration_token: b!.token,
    });
    expect(prepared.thread.total_messages).toBe(1);
    expect(prepared.thread.summary.open_actions).toBe(1);
    expect(prepared.inbox).toHaveLength(1);
  });

  it("macro_contact_handshake approves with the target's token and sends the welcome; without it reports response_error", async () => {
    const project = await freshProject(client);
    const a = await registerAgent(client, project);
    const b = await registerAgent(client, project);
    const pending = await callOk<{ request: { status: string }; response_error: { type: string } }>(client, "macro_contact_handshake", {
      project_key: project, requester: a.name, target: b.name, requester_registration_token: a.token, auto_accept: true,
    });
    expect(pending.request.status).toBe("pending");
    expect(pending.response_error.type).toBe("AUTHENTICATION_REQUIRED");
    const done = await callOk<{ response: { approved: boolean }; welcome_message: { subject: string } }>(client, "macro_contact_handshake", {
      project_key: project, agent_name: a.name, to_agent: b.name, requester_registration_token: a.token, target_registration_token: b.token,
      auto_accept: true, welcome_subject: "Hi", welcome_body: "Let's work",
    });
    expect(done.response.approved).toBe(true);
    expect(done.welcome_message.subject).toBe("Hi");
  });
});
