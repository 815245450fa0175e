/** Resources over real MCP: templates, hand-parsed URIs, agent auth, tooling directory and metrics. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, openAgents, send, type TestAgent } from "../support/mail";
import { callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let client: Client;
let project: string;
let a: TestAgent;
let b: TestAgent;
let c: TestAgent;
let messageId: number;

beforeAll(async () => {
  client = await connectMcp(url, token);
  project = await freshProject(client, "resources");
  [a, b, c] = (await openAgents(client, project, 3)) as [TestAgent, TestAgent, TestAgent];
  const sent = await send(client, project, a, { to: b.name, bcc: [c.name], subject: "Urgent fix", importance: "urgent", ack_required: true, thread_id: "FIX-1" });
  messageId = sent.deliveries[0]!.payload.id;
});
afterAll(async () => {
  await client.close();
});

async function read<T = Record<string, unknown>>(uri: string): Promise<T> {
  const result = await client.readResource({ uri });
  return JSON.parse((result.contents[0] as { text: string }).text) as T;
}

async function readError(uri: string): Promise<{ code: number; message: string }> {
  try {
    await client.readResource({ uri });
  } catch (err) {
    return err as { code: number; message: string };
  }
  throw new Error(`${uri} unexpectedly succeeded`);
}

describe("listing", () => {
  it("lists the fixed resources and every agent-mail template", async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(["resource://tooling/directory", "resource://tooling/metrics", "resource://config/environment"]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.name)).toEqual(
      expect.arrayContaining(["inbox", "outbox", "message", "thread", "agents", "project", "urgent-unread", "ack-required", "ack-overdue"]),
    );
  });
});

describe("agent-scoped resources", () => {
  it("reads an inbox with query parameters in any order and optional ones absent", async () => {
    const inbox = await read<{ count: number; messages: Array<{ id: number }> }>(
      `resource://inbox/${b.name}?limit=5&agent_token=${encodeURIComponent(b.token)}&project=${project}`,
    );
    expect(inbox.messages.map((m) => m.id)).toEqual([messageId]);
    const encoded = await read<{ count: number }>(
      `resource://inbox/${encodeURIComponent(`${b.name}?project=${project}&agent_token=${b.token}`)}`,
    );
    expect(encoded.count).toBe(1);
  });

  it("fails without project with a clear INVALID_ARGUMENT and without a token with AUTHENTICATION_REQUIRED", async () => {
    expect((await readError(`resource://inbox/${b.name}?agent_token=${b.token}`)).message).toContain("INVALID_ARGUMENT: The project parameter is required");
    expect((await readError(`resource://inbox/${b.name}?project=${project}`)).message).toContain("AUTHENTICATION_REQUIRED");
  });

  it("shows a message with its body, hiding bcc from the recipient but not from the sender", async () => {
    const asRecipient = await read<{ body_md: string; bcc: string[]; kind: string }>(
      `resource://message/${messageId}?project=${project}&agent=${b.name}&agent_token=${b.token}`,
    );
    expect(asRecipient).toMatchObject({ body_md: "Body", bcc: [], kind: "to" });
    const asSender = await read<{ bcc: string[] }>(`resource://message/${messageId}?agent=${a.name}&project=${project}&agent_token=${a.token}`);
    expect(asSender.bcc).toEqual([c.name]);
  });

  it("answers NOT_FOUND (-32002) for a message the agent cannot see", async () => {
    const [outsider] = await openAgents(client, project, 1);
    const error = await readError(`resource://message/${messageId}?project=${project}&agent=${outsider!.name}&agent_token=${outsider!.token}`);
    expect(error.code).toBe(-32002);
    expect(error.message).toContain("NOT_FOUND");
  });

  it("serves thread, outbox and the urgent/ack views", async () => {
    const thread = await read<{ messages: Array<{ id: number; body_md: string }> }>(`resource://thread/FIX-1?project=${project}&agent=${b.name}&agent_token=${b.token}`);
    expect(thread.messages.map((m) => m.id)).toEqual([messageId]);
    const outbox = await read<{ messages: Array<{ bcc: string[] }> }>(`resource://outbox/${a.name}?project=${project}&agent_token=${a.token}`);
    expect(outbox.messages[0]!.bcc).toEqual([c.name]);
    const urgent = await read<{ count: number }>(`resource://views/urgent-unread/${b.name}?project=${project}&agent_token=${b.token}`);
    expect(urgent.count).toBe(1);
    const ack = await read<{ count: number }>(`resource://views/ack-required/${b.name}?project=${project}&agent_token=${b.token}`);
    expect(ack.count).toBe(1);
    const overdue = await read<{ count: number }>(`resource://views/ack-overdue/${b.name}?ttl_minutes=60&project=${project}&agent_token=${b.token}`);
    expect(overdue.count).toBe(0);
  });
});

describe("directory resources", () => {
  it("lists agents with unread counts and the project with its agents, without auth", async () => {
    const agents = await read<{ agents: Array<{ name: string; unread_count: number }> }>(`resource://agents/${project}`);
    expect(agents.agents.find((x) => x.name === b.name)?.unread_count).toBe(1);
    const proj = await read<{ slug: string; agents: string[] }>(`resource://project/${project}`);
    expect(proj.slug).toBe(project);
    expect(proj.agents).toEqual(expect.arrayContaining([a.name, b.name, c.name]));
  });

  it("tooling/directory names every tool that tools/list publishes, and only those", async () => {
    const directory = await read<{ clusters: Array<{ tools: Array<{ name: string }> }>; playbooks: Array<{ sequence: string[] }> }>("resource://tooling/directory");
    const named = directory.clusters.flatMap((c) => c.tools.map((t) => t.name));
    const { tools } = await client.listTools();
    expect(named.sort()).toEqual(tools.map((t) => t.name).sort());
    for (const step of directory.playbooks.flatMap((p) => p.sequence)) expect(named).toContain(step);
  });

  it("tooling/metrics counts calls and errors per tool", async () => {
    const before = await read<{ tools: Array<{ name: string; calls: number; errors: number }> }>("resource://tooling/metrics");
    const whoisBefore = before.tools.find((t) => t.name === "whois")!;
    await callOk(client, "whois", { project_key: project, agent_name: a.name });
    await client.callTool({ name: "whois", arguments: { project_key: project, agent_name: "Nobody-1" } });
    // Reading the resource flushes this isolate's buffered counts first.
    const after = (await read<{ tools: Array<{ name: string; calls: number; errors: number }> }>("resource://tooling/metrics")).tools.find((t) => t.name === "whois")!;
    expect(after.calls).toBe(whoisBefore.calls + 2);
    expect(after.errors).toBe(whoisBefore.errors + 1);
  });

  it("config/environment shows settings but never the bearer token", async () => {
    const text = JSON.stringify(await read("resource://config/environment"));
    expect(text).toContain("streamable-http");
    expect(text).not.toContain(token);
  });

  it("answers an unknown resource with NOT_FOUND", async () => {
    expect((await readError("resource://nope/x")).message).toContain("NOT_FOUND");
  });
});
