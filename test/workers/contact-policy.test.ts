/** Contact-policy rules that need time travel: expired approvals and lapsed requests (set in D1 directly). */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db";
import { ensureProject, evaluateContacts, registerAgent, requestContact, requireActingAgent, respondContact } from "../../src/mail";

const db = () => createDb(env.DB);
let seq = 0;

async function pair() {
  const project = await ensureProject(db(), `/contacts/p${Date.now()}-${seq++}`);
  const a = await registerAgent(db(), { projectKey: project.slug, program: "p", model: "m" });
  const b = await registerAgent(db(), { projectKey: project.slug, program: "p", model: "m" });
  const actingA = await requireActingAgent(db(), project.slug, a.name, a.registration_token!);
  const actingB = await requireActingAgent(db(), project.slug, b.name, b.registration_token!);
  const recipientB = { id: b.id, name: b.name, projectId: project.id, projectSlug: project.slug, policy: "auto" };
  return { project, a, b, actingA, actingB, recipientB };
}

const past = () => new Date(Date.now() - 60_000).toISOString();

describe("expiry", () => {
  it("an approval authorises until it expires, and not after", async () => {
    const { project, a, b, actingB, recipientB } = await pair();
    await respondContact(db(), actingB, { fromAgent: a.name, accept: true });
    const sender = { id: a.id, projectId: project.id };
    expect((await evaluateContacts(db(), sender, [recipientB], null)).required).toEqual([]);
    await env.DB.prepare("UPDATE contacts SET expires_ts = ? WHERE from_agent_id = ? AND to_agent_id = ?").bind(past(), a.id, b.id).run();
    expect((await evaluateContacts(db(), sender, [recipientB], null)).required.map((r) => r.name)).toEqual([b.name]);
  });

  it("a live pending request is not re-announced; a lapsed one is", async () => {
    const { a, b, actingA } = await pair();
    const first = await requestContact(db(), actingA, { toAgent: b.name });
    const again = await requestContact(db(), actingA, { toAgent: b.name });
    expect([first.notified, again.notified]).toEqual([true, false]);
    await env.DB.prepare("UPDATE contacts SET expires_ts = ? WHERE from_agent_id = ? AND to_agent_id = ?").bind(past(), a.id, b.id).run();
    const renewed = await requestContact(db(), actingA, { toAgent: b.name });
    expect(renewed).toMatchObject({ status: "pending", notified: true });
  });

  it("an expired approval is re-requested as pending, never silently revived", async () => {
    const { a, b, actingA, actingB } = await pair();
    await respondContact(db(), actingB, { fromAgent: a.name, accept: true });
    await env.DB.prepare("UPDATE contacts SET expires_ts = ? WHERE from_agent_id = ? AND to_agent_id = ?").bind(past(), a.id, b.id).run();
    expect((await requestContact(db(), actingA, { toAgent: b.name })).status).toBe("pending");
  });
});
