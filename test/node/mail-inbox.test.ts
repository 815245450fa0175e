/** fetch_inbox filters and limits, read/ack receipts, visibility, and concurrent sends and acks. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, openAgents, send, type TestAgent } from "../support/mail";
import { callError, callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let client: Client;

beforeAll(async () => {
  client = await connectMcp(url, token);
});
afterAll(async () => {
  await client.close();
});

interface InboxItem {
  id: number;
  subject: string;
  importance: string;
  topic: string | null;
  read_ts: string | null;
  ack_ts: string | null;
  body_md?: string;
  created_ts: string;
}

async function inbox(project: string, agent: TestAgent, args: Record<string, unknown> = {}): Promise<InboxItem[]> {
  return (
    await callOk<{ messages: InboxItem[] }>(client, "fetch_inbox", { project_key: project, agent_name: agent.name, registration_token: agent.token, ...args })
  ).messages;
}

function receipt(tool: string, project: string, agent: TestAgent, messageId: number) {
  return callOk<Record<string, unknown>>(client, tool, { project_key: project, agent_name: agent.name, registration_token: agent.token, message_id: messageId });
}

describe("fetch_inbox", () => {
  it("returns newest first, omits bodies by default, and never marks read", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    for (const subject of ["one", "two", "three"]) await send(client, project, a!, { to: b!.name, subject });
    const first = await inbox(project, b!);
    expect(first.map((m) => m.subject)).toEqual(["three", "two", "one"]);
    expect(first[0]!.body_md).toBeUndefined();
    expect(first.every((m) => m.read_ts === null)).toBe(true);
    expect((await inbox(project, b!, { include_bodies: true }))[0]!.body_md).toBe("Body");
    expect(await inbox(project, a!)).toEqual([]);
  });

  it("filters by urgent_only, unread_only, topic and since_ts", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const low = await send(client, project, a!, { to: b!.name, subject: "low", importance: "low" });
    await send(client, project, a!, { to: b!.name, subject: "high", importance: "high", topic: "release" });
    await send(client, project, a!, { to: b!.name, subject: "urgent", importance: "urgent" });
    expect((await inbox(project, b!, { urgent_only: true })).map((m) => m.subject)).toEqual(["urgent", "high"]);
    expect((await inbox(project, b!, { topic: "RELEASE" })).map((m) => m.subject)).toEqual(["high"]);
    await receipt("mark_message_read", project, b!, low.deliveries[0]!.payload.id);
    expect((await inbox(project, b!, { unread_only: true })).map((m) => m.subject)).toEqual(["urgent", "high"]);
    const all = await inbox(project, b!);
    const since = all.find((m) => m.subject === "low")!.created_ts;
    expect((await inbox(project, b!, { since_ts: since })).map((m) => m.subject)).not.toContain("low");
  });

  it("applies the limit rules: 0 → INVALID_LIMIT, above 1000 capped, bad since_ts → INVALID_TIMESTAMP", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    await send(client, project, a!, { to: b!.name });
    await send(client, project, a!, { to: b!.name });
    expect(await inbox(project, b!, { limit: 1 })).toHaveLength(1);
    expect(await inbox(project, b!, { limit: 5000 })).toHaveLength(2);
    const base = { project_key: project, agent_name: b!.name, registration_token: b!.token };
    expect((await callError(client, "fetch_inbox", { ...base, limit: 0 })).type).toBe("INVALID_LIMIT");
    expect((await callError(client, "fetch_inbox", { ...base, limit: -3 })).type).toBe("INVALID_LIMIT");
    expect((await callError(client, "fetch_inbox", { ...base, since_ts: "yesterday" })).type).toBe("INVALID_TIMESTAMP");
    expect((await callError(client, "check_my_messages", { ...base, limit: 0 })).type).toBe("INVALID_LIMIT");
  });
});

describe("mark_message_read and acknowledge_message", () => {
  it("are idempotent: the same timestamps on repeat; ack implies read", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const id = (await send(client, project, a!, { to: b!.name, ack_required: true })).deliveries[0]!.payload.id;
    const read1 = await receipt("mark_message_read", project, b!, id);
    const read2 = await receipt("mark_message_read", project, b!, id);
    expect(read1).toMatchObject({ message_id: id, read: true });
    expect(read2.read_at).toBe(read1.read_at);
    const ack1 = await receipt("acknowledge_message", project, b!, id);
    const ack2 = await receipt("acknowledge_message", project, b!, id);
    expect(ack1).toMatchObject({ acknowledged: true, read_at: read1.read_at });
    expect(ack2.acknowledged_at).toBe(ack1.acknowledged_at);
  });

  it("records exactly one acknowledged_at under 5 concurrent acks", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const id = (await send(client, project, a!, { to: b!.name, ack_required: true })).deliveries[0]!.payload.id;
    const results = await Promise.all(Array.from({ length: 5 }, () => receipt("acknowledge_message", project, b!, id)));
    expect(new Set(results.map((r) => r.acknowledged_at)).size).toBe(1);
    expect(new Set(results.map((r) => r.read_at)).size).toBe(1);
  });

  it("answers NOT_FOUND for a message the agent neither sent nor received", async () => {
    const project = await freshProject(client);
    const [a, b, c] = await openAgents(client, project, 3);
    const id = (await send(client, project, a!, { to: b!.name })).deliveries[0]!.payload.id;
    const args = { project_key: project, agent_name: c!.name, registration_token: c!.token, message_id: id };
    expect((await callError(client, "mark_message_read", args)).type).toBe("NOT_FOUND");
    expect((await callError(client, "acknowledge_message", args)).type).toBe("NOT_FOUND");
    expect((await callError(client, "mark_message_read", { ...args, message_id: 999_999_999 })).type).toBe("NOT_FOUND");
  });

  it("tells the sender read:false instead of failing", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const id = (await send(client, project, a!, { to: b!.name })).deliveries[0]!.payload.id;
    expect(await receipt("mark_message_read", project, a!, id)).toMatchObject({ read: false, read_at: null });
  });
});

describe("concurrency", () => {
  it("10 agents × 5 concurrent sends to one recipient → exactly 50 distinct messages, no errors", async () => {
    const project = await freshProject(client, "burst");
    const [target] = await openAgents(client, project, 1);
    const senders = await openAgents(client, project, 10);
    const results = await Promise.all(
      senders.flatMap((s, i) => Array.from({ length: 5 }, (_, j) => send(client, project, s, { to: target!.name, subject: `m-${i}-${j}` }))),
    );
    const ids = results.map((r) => r.deliveries[0]!.payload.id);
    expect(new Set(ids).size).toBe(50);
    const received = await inbox(project, target!, { limit: 100 });
    expect(received).toHaveLength(50);
    expect(new Set(received.map((m) => m.subject)).size).toBe(50);
  });
});
