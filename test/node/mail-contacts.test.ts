/** Contact policies, request/respond/list, auto-allow rules, sticky denials and expiry. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, registerAgent, send, type TestAgent } from "../support/mail";
import { callError, callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let client: Client;

beforeAll(async () => {
  client = await connectMcp(url, token);
});
afterAll(async () => {
  await client.close();
});

function sendArgs(project: string, from: TestAgent, to: TestAgent, extra: Record<string, unknown> = {}) {
  return { project_key: project, sender_name: from.name, sender_token: from.token, to: [to.name], subject: "hi", body_md: "b", ...extra };
}

function policy(project: string, agent: TestAgent, value: string) {
  return callOk<{ agent: string; policy: string }>(client, "set_contact_policy", {
    project_key: project, agent_name: agent.name, policy: value, registration_token: agent.token,
  });
}

function respond(project: string, target: TestAgent, requester: TestAgent, accept: boolean, extra: Record<string, unknown> = {}) {
  return callOk<{ approved: boolean; expires_ts: string | null }>(client, "respond_contact", {
    project_key: project, to_agent: target.name, from_agent: requester.name, accept, registration_token: target.token, ...extra,
  });
}

interface ContactList {
  contacts: Array<{ to: string; status: string; allows_messaging: boolean; is_expired: boolean; expires_ts: string | null }>;
}

describe("policies", () => {
  it("normalises an unknown policy to auto", async () => {
    const project = await freshProject(client);
    const a = await registerAgent(client, project);
    expect((await policy(project, a, "whatever")).policy).toBe("auto");
  });

  it("auto: a stranger gets CONTACT_REQUIRED naming the recipient, and a pending request is created for it", async () => {
    const project = await freshProject(client);
    const [a, b] = [await registerAgent(client, project), await registerAgent(client, project)];
    const error = await callError(client, "send_message", sendArgs(project, a, b));
    expect(error.type).toBe("CONTACT_REQUIRED");
    expect(error.details?.recipients_blocked).toEqual([b.name]);
    const list = await callOk<ContactList>(client, "list_contacts", { project_key: project, agent_name: a.name, registration_token: a.token });
    expect(list.contacts).toEqual([expect.objectContaining({ to: b.name, status: "pending", allows_messaging: false })]);
    const intro = await callOk<{ messages: Array<{ ack_required: boolean; topic: string }> }>(client, "fetch_inbox", {
      project_key: project, agent_name: b.name, registration_token: b.token,
    });
    expect(intro.messages).toEqual([expect.objectContaining({ ack_required: true, topic: "contact-request" })]);
  });

  it("auto_contact_if_blocked:false creates no request", async () => {
    const project = await freshProject(client);
    const [a, b] = [await registerAgent(client, project), await registerAgent(client, project)];
    expect((await callError(client, "send_message", sendArgs(project, a, b, { auto_contact_if_blocked: false }))).type).toBe("CONTACT_REQUIRED");
    const list = await callOk<ContactList>(client, "list_contacts", { project_key: project, agent_name: a.name, registration_token: a.token });
    expect(list.contacts).toEqual([]);
  });

  it("auto: after approval the sender may write; the intro alone does not unlock the pair", async () => {
    const project = await freshProject(client);
    const [a, b] = [await registerAgent(client, project), await registerAgent(client, project)];
    const request = await callOk<{ status: string }>(client, "request_contact", {
      project_key: project, from_agent: a.name, to_agent: b.name, reason: "API change", registration_token: a.token,
    });
    expect(request.status).toBe("pending");
    expect((await callError(client, "send_message", sendArgs(project, a, b))).type).toBe("CONTACT_REQUIRED");
    expect((await respond(project, b, a, true)).approved).toBe(true);
    expect((await send(client, project, a, { to: b.name })).count).toBe(1);
  });

  it("auto: a message in the last 24 h lets the recipient write back, and thread participants may write", async () => {
    const project = await freshProject(client);
    const [a, b, c] = [await registerAgent(client, project), await registerAgent(client, project), await registerAgent(client, project)];
    await policy(project, b, "open");
    await policy(project, c, "open");
    await send(client, project, a, { to: [b.name, c.name], thread_id: "T-1" });
    expect((await send(client, project, b, { to: a.name })).count).toBe(1);
    // c and b are both in thread T-1; b's policy is auto now and c may still write in the thread.
    await policy(project, b, "auto");
    expect((await send(client, project, c, { to: b.name, thread_id: "T-1" })).count).toBe(1);
  });

  it("contacts_only: thread participants and approved links only; block_all → CONTACT_BLOCKED", async () => {
    const project = await freshProject(client);
    const [a, b] = [await registerAgent(client, project), await registerAgent(client, project)];
    await policy(project, a, "open");
    await send(client, project, b, { to: a.name });
    await policy(project, a, "contacts_only");
    // a two-way exchange is not enough under contacts_only
    expect((await callError(client, "send_message", sendArgs(project, b, a))).type).toBe("CONTACT_REQUIRED");
    await respond(project, a, b, true);
    expect((await send(client, project, b, { to: a.name })).count).toBe(1);
    await policy(project, a, "block_all");
    expect((await callError(client, "send_message", sendArgs(project, b, a))).type).toBe("CONTACT_BLOCKED");
  });
});

describe("links", () => {
  it("keeps a denial sticky: a new request stays blocked and sends are CONTACT_BLOCKED until the target accepts", async () => {
    const project = await freshProject(client);
    const [a, b] = [await registerAgent(client, project), await registerAgent(client, project)];
    await respond(project, b, a, false);
    const again = await callOk<{ status: string }>(client, "request_contact", {
      project_key: project, from_agent: a.name, to_agent: b.name, registration_token: a.token,
    });
    expect(again.status).toBe("blocked");
    expect((await callError(client, "send_message", sendArgs(project, a, b))).type).toBe("CONTACT_BLOCKED");
    await respond(project, b, a, true);
    expect((await send(client, project, a, { to: b.name })).count).toBe(1);
  });

  it("never downgrades an approval on a new request", async () => {
    const project = await freshProject(client);
    const [a, b] = [await registerAgent(client, project), await registerAgent(client, project)];
    await respond(project, b, a, true);
    const request = await callOk<{ status: string }>(client, "request_contact", {
      project_key: project, from_agent: a.name, to_agent: b.name, registration_token: a.token,
    });
    expect(request.status).toBe("approved");
  });

  it("rejects self-contact with INVALID_ARGUMENT", async () => {
    const project = await freshProject(client);
    const a = await registerAgent(client, project);
    const error = await callError(client, "request_contact", { project_key: project, from_agent: a.name, to_agent: a.name, registration_token: a.token });
    expect(error.type).toBe("INVALID_ARGUMENT");
  });

  it("lets only the target answer: responding without the target's token is AUTHENTICATION_REQUIRED", async () => {
    const project = await freshProject(client);
    const [a, b] = [await registerAgent(client, project), await registerAgent(client, project)];
    const error = await callError(client, "respond_contact", {
      project_key: project, to_agent: b.name, from_agent: a.name, accept: true, registration_token: a.token,
    });
    expect(error.type).toBe("AUTHENTICATION_REQUIRED");
  });

  it("approves across projects so Name@slug addressing works", async () => {
    const home = await freshProject(client, "home");
    const away = await freshProject(client, "away");
    const a = await registerAgent(client, home);
    const b = await registerAgent(client, away);
    expect((await callError(client, "send_message", { ...sendArgs(home, a, b), to: [`${b.name}@${away}`] })).type).toBe("CONTACT_REQUIRED");
    await respond(away, b, a, true, { from_project: home });
    expect((await send(client, home, a, { to: `${b.name}@${away}` })).count).toBe(1);
  });
});
