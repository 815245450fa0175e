/** send_message and reply_message over real MCP: delivery, all-or-nothing, mistakes, threading. */
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

interface InboxItem {
  id: number;
  subject: string;
  from: string;
  kind: string;
  thread_id: string | null;
  importance: string;
  ack_required: boolean;
  topic: string | null;
  body_md?: string;
}

async function inbox(project: string, agent: { name: string; token: string }, args: Record<string, unknown> = {}): Promise<InboxItem[]> {
  const result = await callOk<{ messages: InboxItem[] }>(client, "fetch_inbox", {
    project_key: project,
    agent_name: agent.name,
    registration_token: agent.token,
    ...args,
  });
  return result.messages;
}

describe("send_message", () => {
  it("delivers to to/cc/bcc and returns the payload with bcc visible to the sender only", async () => {
    const project = await freshProject(client);
    const [a, b, c, d] = await openAgents(client, project, 4);
    const result = await send(client, project, a!, { to: b!.name, cc: [c!.name], bcc: [d!.name], subject: "Plan", body_md: "Ship it" });
    expect(result.count).toBe(1);
    const payload = result.deliveries[0]!.payload;
    expect(payload).toMatchObject({ subject: "Plan", to: [b!.name], cc: [c!.name], bcc: [d!.name] });
    const [forB] = await inbox(project, b!);
    expect(forB).toMatchObject({ id: payload.id, from: a!.name, kind: "to" });
    expect((await inbox(project, d!))[0]!.kind).toBe("bcc");
    const asB = await callOk<{ to: string[]; bcc: string[] }>(client, "fetch_inbox", {
      project_key: project,
      agent_name: b!.name,
      registration_token: b!.token,
    });
    expect(JSON.stringify(asB)).not.toContain(d!.name);
  });

  it("fails the whole send with RECIPIENT_NOT_FOUND listing every unknown name and delivers nothing", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const error = await callError(client, "send_message", {
      project_key: project,
      sender_name: a!.name,
      sender_token: a!.token,
      to: [b!.name, "GhostRiver", "ghost-2"],
      subject: "s",
      body_md: "b",
    });
    expect(error.type).toBe("RECIPIENT_NOT_FOUND");
    expect(error.details?.unknown).toEqual(["GhostRiver", "ghost-2"]);
    expect(await inbox(project, b!)).toEqual([]);
  });

  it.each([
    ["all", "BROADCAST_ATTEMPT"],
    ["claude-code", "PROGRAM_NAME_AS_AGENT"],
    ["ada@example.com", "EMAIL_AS_AGENT"],
  ])("rejects to: %s with %s", async (recipient, code) => {
    const project = await freshProject(client);
    const [a] = await openAgents(client, project, 1);
    const error = await callError(client, "send_message", {
      project_key: project,
      sender_name: a!.name,
      sender_token: a!.token,
      to: [recipient],
      subject: "s",
      body_md: "b",
    });
    expect(error.type).toBe(code);
  });

  it("rejects a bad thread_id with INVALID_THREAD_ID and a bad topic with INVALID_TOPIC", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const base = { project_key: project, sender_name: a!.name, sender_token: a!.token, to: [b!.name], subject: "s", body_md: "b" };
    expect((await callError(client, "send_message", { ...base, thread_id: "-bad id" })).type).toBe("INVALID_THREAD_ID");
    expect((await callError(client, "send_message", { ...base, topic: "no spaces allowed" })).type).toBe("INVALID_TOPIC");
  });

  it("requires the sender's token: AUTHENTICATION_REQUIRED without or with a wrong one", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const base = { project_key: project, sender_name: a!.name, to: [b!.name], subject: "s", body_md: "b" };
    expect((await callError(client, "send_message", base)).type).toBe("AUTHENTICATION_REQUIRED");
    expect((await callError(client, "send_message", { ...base, sender_token: b!.token })).type).toBe("AUTHENTICATION_REQUIRED");
  });

  it("cuts subjects at 200 characters with a warning", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const result = await send(client, project, a!, { to: b!.name, subject: "x".repeat(250) });
    expect(result.deliveries[0]!.payload.subject).toHaveLength(200);
    expect(result.warnings?.[0]).toContain("200");
  });

  it("refuses a retired recipient with AGENT_RETIRED", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    await callOk(client, "retire_agent", { project_key: project, agent_name: b!.name, registration_token: b!.token });
    const error = await callError(client, "send_message", { project_key: project, sender_name: a!.name, sender_token: a!.token, to: [b!.name], subject: "s", body_md: "b" });
    expect(error.type).toBe("AGENT_RETIRED");
  });

  it("broadcasts best-effort: delivers to accepting agents and reports broadcast_skipped", async () => {
    const project = await freshProject(client);
    const [a, b, c] = await openAgents(client, project, 3);
    const blocker = await registerAgent(client, project);
    await callOk(client, "set_contact_policy", { project_key: project, agent_name: blocker.name, policy: "block_all", registration_token: blocker.token });
    const result = await send(client, project, a!, { broadcast: true, subject: "All hands" });
    expect([...result.deliveries[0]!.payload.to].sort()).toEqual([b!.name, c!.name].sort());
    expect(result.broadcast_skipped).toEqual([{ name: blocker.name, reason: expect.any(String) }]);
    expect(await inbox(project, blocker)).toEqual([]);
  });

  it("rejects broadcast together with to as INVALID_ARGUMENT", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const error = await callError(client, "send_message", {
      project_key: project, sender_name: a!.name, sender_token: a!.token, to: [b!.name], broadcast: true, subject: "s", body_md: "b",
    });
    expect(error.type).toBe("INVALID_ARGUMENT");
  });

  it("addresses another project as Name@slug and project:slug#Name once the link is approved", async () => {
    const home = await freshProject(client, "home");
    const away = await freshProject(client, "away");
    const [a] = await openAgents(client, home, 1);
    const [b] = await openAgents(client, away, 1);
    const first = await send(client, home, a!, { to: `${b!.name}@${away}`, subject: "Cross" });
    expect(first.deliveries[0]!.payload.to).toEqual([`${b!.name}@${away}`]);
    await send(client, home, a!, { to: `project:${away}#${b!.name}`, subject: "Cross 2" });
    const received = await inbox(away, b!);
    expect(received.map((m) => m.subject)).toEqual(["Cross 2", "Cross"]);
    expect(received[0]).toMatchObject({ from: a!.name, from_project: home });
  });
});

describe("reply_message", () => {
  it("threads under the original id, prefixes Re: once, keeps importance and ack_required, answers the sender", async () => {
    const project = await freshProject(client);
    const [a, b] = await openAgents(client, project, 2);
    const sent = await send(client, project, a!, { to: b!.name, subject: "Build broke", importance: "urgent", ack_required: true });
    const originalId = sent.deliveries[0]!.payload.id;
    const reply = await callOk<{ thread_id: string; reply_to: number; deliveries: Array<{ payload: { subject: string; to: string[]; id: number } }> }>(
      client,
      "reply_message",
      { project_key: project, message_id: originalId, sender_name: b!.name, sender_token: b!.token, body_md: "On it" },
    );
    expect(reply.thread_id).toBe(String(originalId));
    expect(reply.reply_to).toBe(originalId);
    expect(reply.deliveries[0]!.payload).toMatchObject({ subject: "Re: Build broke", to: [a!.name] });
    const again = await callOk<{ deliveries: Array<{ payload: { subject: string } }> }>(client, "reply_message", {
      project_key: project, message_id: reply.deliveries[0]!.payload.id, sender_name: a!.name, sender_token: a!.token, body_md: "Thanks",
    });
    expect(again.deliveries[0]!.payload.subject).toBe("Re: Build broke");
    const [latest] = await inbox(project, a!);
    expect(latest).toMatchObject({ importance: "urgent", ack_required: true, thread_id: String(originalId) });
  });

  it("replying to one's own message goes to its original recipients; an explicit empty to is respected", async () => {
    const project = await freshProject(client);
    const [a, b, c] = await openAgents(client, project, 3);
    const sent = await send(client, project, a!, { to: [b!.name, c!.name], subject: "Status", thread_id: "STATUS-1" });
    const id = sent.deliveries[0]!.payload.id;
    const own = await callOk<{ deliveries: Array<{ payload: { to: string[]; thread_id: string } }> }>(client, "reply_message", {
      project_key: project, message_id: id, sender_name: a!.name, sender_token: a!.token, body_md: "Addendum",
    });
    expect([...own.deliveries[0]!.payload.to].sort()).toEqual([b!.name, c!.name].sort());
    expect(own.deliveries[0]!.payload.thread_id).toBe("STATUS-1");
    const ccOnly = await callOk<{ deliveries: Array<{ payload: { to: string[]; cc: string[] } }> }>(client, "reply_message", {
      project_key: project, message_id: id, sender_name: b!.name, sender_token: b!.token, body_md: "fyi", to: [], cc: [c!.name],
    });
    expect(ccOnly.deliveries[0]!.payload).toMatchObject({ to: [], cc: [c!.name] });
  });

  it("answers NOT_FOUND for a message the replier cannot see", async () => {
    const project = await freshProject(client);
    const [a, b, outsider] = await openAgents(client, project, 3);
    const sent = await send(client, project, a!, { to: b!.name });
    const error = await callError(client, "reply_message", {
      project_key: project, message_id: sent.deliveries[0]!.payload.id, sender_name: outsider!.name, sender_token: outsider!.token, body_md: "x",
    });
    expect(error.type).toBe("NOT_FOUND");
  });
});
