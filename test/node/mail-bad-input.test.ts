/** Hostile and malformed input: every call ends in a typed error or a correct result, never INTERNAL. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, openAgents, type TestAgent } from "../support/mail";
import { callError, callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let client: Client;
let project: string;
let a: TestAgent;
let b: TestAgent;

beforeAll(async () => {
  client = await connectMcp(url, token);
  project = await freshProject(client, "hostile");
  [a, b] = (await openAgents(client, project, 2)) as [TestAgent, TestAgent];
});
afterAll(async () => {
  await client.close();
});

function sendArgs(extra: Record<string, unknown>): Record<string, unknown> {
  return { project_key: project, sender_name: a.name, sender_token: a.token, to: [b.name], subject: "s", body_md: "b", ...extra };
}

describe("wrong types", () => {
  it.each([
    ["to", 42],
    ["subject", { text: "x" }],
    ["body_md", null],
    ["importance", "critical"],
    ["ack_required", "yes"],
    ["cc", [1, 2]],
  ])("send_message with %s = %j → INVALID_ARGUMENT naming the field", async (field, value) => {
    const error = await callError(client, "send_message", sendArgs({ [field]: value }));
    expect(error.type).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(field);
  });

  it.each([
    ["message_id", "abc"],
    ["message_id", -1],
    ["message_id", 1.5],
  ])("mark_message_read with %s = %j → INVALID_ARGUMENT", async (field, value) => {
    const error = await callError(client, "mark_message_read", { project_key: project, agent_name: b.name, registration_token: b.token, [field]: value });
    expect(error.type).toBe("INVALID_ARGUMENT");
  });

  it("fetch_inbox with limit as a string → INVALID_ARGUMENT", async () => {
    const error = await callError(client, "fetch_inbox", { project_key: project, agent_name: b.name, registration_token: b.token, limit: "ten" });
    expect(error.type).toBe("INVALID_ARGUMENT");
  });
});

describe("huge input", () => {
  it("refuses a 300 KiB body, a 20k-character subject and a 5k-character project key with INVALID_ARGUMENT", async () => {
    expect((await callError(client, "send_message", sendArgs({ body_md: "x".repeat(300 * 1024) }))).type).toBe("INVALID_ARGUMENT");
    expect((await callError(client, "send_message", sendArgs({ subject: "x".repeat(20_000) }))).type).toBe("INVALID_ARGUMENT");
    expect((await callError(client, "send_message", sendArgs({ project_key: "/x".repeat(2500) }))).type).toBe("INVALID_ARGUMENT");
  });

  it("refuses 10k recipients with INVALID_ARGUMENT", async () => {
    const to = Array.from({ length: 10_000 }, (_, i) => `agent-${i}`);
    expect((await callError(client, "send_message", sendArgs({ to }))).type).toBe("INVALID_ARGUMENT");
  });

  it("answers 1000 unknown recipients with RECIPIENT_NOT_FOUND and a bounded list", async () => {
    const to = Array.from({ length: 1000 }, (_, i) => `ghost-${i}`);
    const error = await callError(client, "send_message", sendArgs({ to }));
    expect(error.type).toBe("RECIPIENT_NOT_FOUND");
    expect((error.details?.unknown as string[]).length).toBeLessThanOrEqual(50);
  });

  it("delivers a 200 KiB body intact", async () => {
    const body = "ü".repeat(200 * 1024 / 2);
    const sent = await callOk<{ deliveries: Array<{ payload: { id: number } }> }>(client, "send_message", sendArgs({ body_md: body }));
    const inbox = await callOk<{ messages: Array<{ id: number; body_md: string }> }>(client, "fetch_inbox", {
      project_key: project, agent_name: b.name, registration_token: b.token, include_bodies: true, limit: 1,
    });
    expect(inbox.messages[0]).toMatchObject({ id: sent.deliveries[0]!.payload.id, body_md: body });
  });
});

describe("control characters and odd unicode", () => {
  it("strips NUL and control characters from subjects, keeps newlines and tabs in bodies", async () => {
    const sent = await callOk<{ deliveries: Array<{ payload: { subject: string; body_md: string } }> }>(
      client,
      "send_message",
      sendArgs({ subject: "a\u0000b\u0007c\nd", body_md: "line1\n\tline2\u0000" }),
    );
    expect(sent.deliveries[0]!.payload.subject).toBe("a b c d");
    expect(sent.deliveries[0]!.payload.body_md).toBe("line1\n\tline2");
  });

  it("stores lone surrogates and emoji without failing", async () => {
    const result = (await client.callTool({ name: "send_message", arguments: sendArgs({ subject: "\ud800 broken 🚀", body_md: "\udfff🚀" }) })) as CallToolResult;
    expect(result.isError).toBeFalsy();
  });

  it.each(["\u0000", "bad\nname", "\u202eevil", "a".repeat(129)])("answers the recipient %j with a typed error", async (name) => {
    const error = await callError(client, "send_message", sendArgs({ to: [name] }));
    expect(["RECIPIENT_NOT_FOUND", "INVALID_ARGUMENT"]).toContain(error.type);
  });

  it("answers a thread_id with control characters with INVALID_THREAD_ID", async () => {
    expect((await callError(client, "send_message", sendArgs({ thread_id: "T\u0000-1" }))).type).toBe("INVALID_THREAD_ID");
  });
});

describe("SQL and FTS metacharacters", () => {
  it.each(["x'; DROP TABLE agents; --", "Robert\"); DELETE FROM messages;--", "%_%", "* OR 1=1"])(
    "treats %j as data everywhere",
    async (evil) => {
      const registered = await callOk<{ name: string; warnings?: string[] }>(client, "register_agent", {
        project_key: project, program: "codex", model: "gpt-5", name: evil,
      });
      expect(registered.name).not.toBe(evil);
      expect((await callError(client, "send_message", sendArgs({ to: [evil] }))).type).toMatch(/RECIPIENT_NOT_FOUND|BROADCAST_ATTEMPT/);
      expect((await callError(client, "send_message", sendArgs({ topic: evil }))).type).toBe("INVALID_TOPIC");
      expect((await callError(client, "whois", { project_key: project, agent_name: evil })).type).toBe("NOT_FOUND");
      expect((await callError(client, "fetch_inbox", { project_key: evil, agent_name: b.name, registration_token: b.token })).type).toBe("NOT_FOUND");
      const search = await callOk<{ messages: unknown[] }>(client, "search_messages", {
        project_key: project, agent_name: b.name, registration_token: b.token, query: evil,
      });
      expect(Array.isArray(search.messages)).toBe(true);
      const agents = await callOk<{ agents: unknown[] }>(client, "list_agents", { project_key: project });
      expect(agents.agents.length).toBeGreaterThanOrEqual(2);
    },
  );
});
