/**
 * Agent-bound credentials end to end: an agent's registration token as the HTTP bearer binds every call on
 * the connection to that agent, so acting tools need neither the token nor the name in their arguments,
 * and cannot act as anyone else.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, openAgents, type TestAgent } from "../support/mail";
import { callError, callOk, connectMcp, rawMcpPost } from "../support/mcp";

const { url, token } = inject("worker");
let admin: Client;
let bound: Client;
let project: string;
let me: TestAgent;
let peer: TestAgent;

beforeAll(async () => {
  admin = await connectMcp(url, token);
  project = await freshProject(admin, "bearer");
  [me, peer] = (await openAgents(admin, project, 2)) as [TestAgent, TestAgent];
  bound = await connectMcp(url, me.token);
});
afterAll(async () => {
  await bound?.close();
  await admin?.close();
});

describe("agent registration token as the HTTP bearer", () => {
  it("sends and reads without repeating the token, the name or the project", async () => {
    const sent = await callOk<{ count: number }>(bound, "send_message", { to: [peer.name], subject: "bound hello", body_md: "hi" });
    expect(sent.count).toBe(1);
    const inbox = await callOk<{ messages: Array<{ subject: string; from: string }> }>(admin, "fetch_inbox", {
      project_key: project,
      agent_name: peer.name,
      registration_token: peer.token,
    });
    expect(inbox.messages.map((m) => [m.subject, m.from])).toContainEqual(["bound hello", me.name]);
    const mine = await callOk<{ messages: unknown[] }>(bound, "fetch_inbox", {});
    expect(Array.isArray(mine.messages)).toBe(true);
  });

  it("accepts its own name spelled out, in another letter case", async () => {
    const result = await callOk<{ messages: unknown[] }>(bound, "fetch_inbox", { project_key: project, agent_name: me.name.toUpperCase() });
    expect(Array.isArray(result.messages)).toBe(true);
  });

  it("refuses to act as another agent with FORBIDDEN, even given that agent's token", async () => {
    const error = await callError(bound, "fetch_inbox", { project_key: project, agent_name: peer.name, registration_token: peer.token });
    expect(error.type).toBe("FORBIDDEN");
    expect(error.message).toContain(me.name);
  });

  it("refuses to send as another agent with FORBIDDEN", async () => {
    const error = await callError(bound, "send_message", { sender_name: peer.name, to: [me.name], subject: "spoof", body_md: "x" });
    expect(error.type).toBe("FORBIDDEN");
  });

  it("refuses another project with FORBIDDEN", async () => {
    const other = await freshProject(admin, "bearer-other");
    const error = await callError(bound, "fetch_inbox", { project_key: other });
    expect(error.type).toBe("FORBIDDEN");
  });

  it("still lets the agent look others up (whois names a target, not an actor)", async () => {
    const profile = await callOk<{ name: string }>(bound, "whois", { project_key: project, agent_name: peer.name });
    expect(profile.name).toBe(peer.name);
  });

  it("rejects a token-shaped bearer that belongs to no agent with 401", async () => {
    const res = await rawMcpPost(url, { Authorization: `Bearer ${"A".repeat(43)}` });
    expect(res.status).toBe(401);
  });

  it("cannot log in to the dashboard with an agent token", async () => {
    const page = await fetch(`${url}/dashboard/login`);
    const cookie = page.headers.getSetCookie()[0]!.split(";")[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(`${url}/dashboard/login`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, token: me.token }),
    });
    expect(res.status).toBe(401);
  });
});
