/**
 * /u/<token>: RFC 8058 one-click unsubscribe and the human confirm page. The test → clause table is
 * in rfc8058.conformance.md beside this file; test names there match the `it` names here.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { base64url } from "../../src/shared/ids";
import { BASE, counters, events, foreignCodec, seedCampaign, sign } from "./tracking-fixtures";

const ONE_CLICK = "List-Unsubscribe=One-Click";

async function unsubscribeUrl(campaignId: number, recipientId: number): Promise<string> {
  return `${BASE}/u/${await sign({ kind: "unsubscribe", campaignId, recipientId })}`;
}

function postOneClick(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: ONE_CLICK,
  });
}

async function suppressionsFor(email: string) {
  const { results } = await env.DB.prepare("SELECT tenant, email, reason, source_campaign_id FROM suppressions WHERE email = ?")
    .bind(email)
    .all();
  return results;
}

/**
 * The lookup the campaign sender runs before rendering each recipient (API-campaigns.md, Sending:
 * "Suppressed and unsubscribed addresses are skipped before rendering"): tenant-wide, by address.
 */
async function isSuppressed(tenant: string, email: string): Promise<boolean> {
  const row = await env.DB.prepare("SELECT 1 AS hit FROM suppressions WHERE tenant = ? AND email = ?").bind(tenant, email).first();
  return row !== null;
}

describe("RFC 8058 one-click POST", () => {
  it("unsubscribes on an urlencoded List-Unsubscribe=One-Click POST with 200 and no redirect", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const res = await postOneClick(await unsubscribeUrl(campaignId, recipients[0]!.id));
    expect(res.status).toBe(200);
    expect(res.headers.get("Location")).toBeNull();
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(await res.text()).toContain("You are unsubscribed");
    expect(await suppressionsFor(recipients[0]!.email)).toEqual([
      { tenant: "default", email: recipients[0]!.email, reason: "unsubscribe", source_campaign_id: campaignId },
    ]);
    expect((await events(campaignId)).map((e) => [e.kind, e.recipient_id, JSON.parse(e.detail)])).toEqual([
      ["unsubscribe", recipients[0]!.id, { source: "one_click" }],
    ]);
    expect(await counters(campaignId)).toMatchObject({ unsubscribed: 1 });
  });

  it("unsubscribes on a multipart/form-data One-Click POST", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const form = new FormData();
    form.set("List-Unsubscribe", "One-Click");
    const res = await SELF.fetch(await unsubscribeUrl(campaignId, recipients[1]!.id), { method: "POST", body: form, redirect: "manual" });
    expect(res.status).toBe(200);
    expect(await suppressionsFor(recipients[1]!.email)).toHaveLength(1);
  });

  it("needs no cookie, auth or CSRF token and accepts a cross-site Origin", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const res = await postOneClick(await unsubscribeUrl(campaignId, recipients[0]!.id), {
      Origin: "https://mail.google.com",
      "Sec-Fetch-Site": "cross-site",
    });
    expect(res.status).toBe(200);
    expect(await suppressionsFor(recipients[0]!.email)).toHaveLength(1);
  });

  it("is idempotent: POSTing twice records one event, one suppression and counts one unsubscribe", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const url = await unsubscribeUrl(campaignId, recipients[0]!.id);
    expect((await postOneClick(url)).status).toBe(200);
    expect((await postOneClick(url)).status).toBe(200);
    const form = new URLSearchParams({ unsubscribe: "confirm" });
    expect((await SELF.fetch(url, { method: "POST", body: form })).status).toBe(200);
    expect(await events(campaignId)).toHaveLength(1);
    expect(await suppressionsFor(recipients[0]!.email)).toHaveLength(1);
    expect(await counters(campaignId)).toMatchObject({ unsubscribed: 1 });
  });

  it("answers 400 and changes nothing for a POST without the One-Click body", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const url = await unsubscribeUrl(campaignId, recipients[0]!.id);
    for (const body of ["", "List-Unsubscribe=Yes", "foo=bar"]) {
      const res = await SELF.fetch(url, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
      expect(res.status).toBe(400);
    }
    expect(await suppressionsFor(recipients[0]!.email)).toEqual([]);
  });

  it("never unsubscribes for forged, truncated, re-signed, wrong-kind or cross-campaign tokens", async () => {
    const a = await seedCampaign();
    const b = await seedCampaign();
    const genuine = await sign({ kind: "unsubscribe", campaignId: a.campaignId, recipientId: a.recipients[0]!.id });
    const tokens = {
      truncated: genuine.slice(0, -1),
      altered: genuine.slice(0, 5) + (genuine[5] === "A" ? "B" : "A") + genuine.slice(6),
      "re-signed with a wrong key": await (await foreignCodec()).sign({ kind: "unsubscribe", campaignId: a.campaignId, recipientId: a.recipients[0]!.id }),
      "open token": await sign({ kind: "open", campaignId: a.campaignId, recipientId: a.recipients[0]!.id }),
      "click token": await sign({ kind: "click", campaignId: a.campaignId, recipientId: a.recipients[0]!.id, linkIndex: 0, url: "https://ex.com/" }),
      // Genuinely signed, but the recipient belongs to campaign B: nothing may change anywhere.
      "cross-campaign recipient": await sign({ kind: "unsubscribe", campaignId: a.campaignId, recipientId: b.recipients[0]!.id }),
      "random": base64url(crypto.getRandomValues(new Uint8Array(24))),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await postOneClick(`${BASE}/u/${token}`);
      expect({ name, status: res.status, location: res.headers.get("Location") }).toEqual({ name, status: 404, location: null });
    }
    for (const r of [...a.recipients, ...b.recipients]) expect(await suppressionsFor(r.email)).toEqual([]);
    expect(await events(a.campaignId)).toEqual([]);
    expect(await events(b.campaignId)).toEqual([]);
  });

  it("keeps no recipient linkage on the event for anonymous-count campaigns but still suppresses", async () => {
    const { campaignId, recipients } = await seedCampaign({ anonymousCounts: true });
    expect((await postOneClick(await unsubscribeUrl(campaignId, recipients[0]!.id))).status).toBe(200);
    expect((await events(campaignId)).map((e) => e.recipient_id)).toEqual([null]);
    expect(await suppressionsFor(recipients[0]!.email)).toHaveLength(1);
    expect(await counters(campaignId)).toMatchObject({ unsubscribed: 1 });
  });

  it("answers 503 with Retry-After and writes nothing when D1 fails", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const failingDb = {
      prepare: (sql: string) => env.DB.prepare(sql),
      batch: async () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
    } as unknown as D1Database;
    const ctx = createExecutionContext();
    const res = await app.request(
      await unsubscribeUrl(campaignId, recipients[0]!.id),
      { method: "POST", body: ONE_CLICK, headers: { "Content-Type": "application/x-www-form-urlencoded" } },
      { ...env, DB: failingDb },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("60");
    expect(await suppressionsFor(recipients[0]!.email)).toEqual([]);
  });
});

describe("GET /u/<token> (scanners prefetch)", () => {
  it("shows an accessible confirm page with one POST button and never unsubscribes", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const url = await unsubscribeUrl(campaignId, recipients[0]!.id);
    for (let i = 0; i < 5; i++) {
      const res = await SELF.fetch(url, { redirect: "manual" });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<html lang="en">');
      expect(html).toMatch(/<title>Unsubscribe<\/title>/);
      expect(html.match(/<form method="post">/g)).toHaveLength(1);
      expect(html.match(/<button type="submit">Unsubscribe<\/button>/g)).toHaveLength(1);
      expect(html).not.toContain("<script");
    }
    expect((await SELF.fetch(url, { method: "HEAD" })).status).toBe(200);
    expect(await suppressionsFor(recipients[0]!.email)).toEqual([]);
    expect(await events(campaignId)).toEqual([]);
  });

  it("unsubscribes when the confirm page's own form is submitted", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const url = await unsubscribeUrl(campaignId, recipients[0]!.id);
    const html = await (await SELF.fetch(url)).text();
    const [, name, value] = /<input type="hidden" name="([^"]+)" value="([^"]+)">/.exec(html)!;
    const res = await SELF.fetch(url, { method: "POST", body: new URLSearchParams({ [name!]: value! }), redirect: "manual" });
    expect(res.status).toBe(200);
    expect((await events(campaignId)).map((e) => JSON.parse(e.detail))).toEqual([{ source: "page" }]);
  });

  it("answers a 404 page for a bad token", async () => {
    const res = await SELF.fetch(`${BASE}/u/not-a-token`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Link not recognised");
  });
});

describe("suppression reaches later campaigns", () => {
  it("an address unsubscribed from one campaign is suppressed for a second campaign of the tenant", async () => {
    const email = `shared-${crypto.randomUUID()}@example.com`;
    const first = await seedCampaign({ emails: [email] });
    const second = await seedCampaign({ emails: [email] });
    expect(await isSuppressed("default", email)).toBe(false);
    expect((await postOneClick(await unsubscribeUrl(first.campaignId, first.recipients[0]!.id))).status).toBe(200);
    expect(await isSuppressed("default", email)).toBe(true);
    expect(second.recipients[0]!.email).toBe(email);
  });
});
