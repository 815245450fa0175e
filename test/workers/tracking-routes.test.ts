/**
 * Click and open routes at the edge: genuine tokens redirect / return the pixel and queue one event;
 * anything forged, altered, truncated, re-signed or of the wrong kind never redirects and queues
 * nothing; no D1 query runs on either path; bots and HEAD requests are queued as bots.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../src/app";
import { base64url } from "../../src/shared/ids";
import type { TokenClaims } from "../../src/shared/tokens";
import type { TrackingEvent } from "../../src/tracking";
import { BASE, foreignCodec, sign } from "./tracking-fixtures";

const BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0 Safari/537.36";
// Campaign ids no test seeds: the real consumer may pick these events up and must find nothing to count.
const click: TokenClaims = { kind: "click", campaignId: 900001, recipientId: 42, linkIndex: 3, url: "https://example.com/offer?a=1&b=2" };
const open: TokenClaims = { kind: "open", campaignId: 900001, recipientId: 42 };

function spyQueue() {
  return vi.spyOn(env.TRACKING_EVENTS, "send");
}

function queued(spy: ReturnType<typeof spyQueue>): TrackingEvent[] {
  return spy.mock.calls.map(([body]) => body as TrackingEvent);
}

function get(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, { redirect: "manual", headers: { "User-Agent": BROWSER_UA }, ...init });
}

function bytesOf(token: string): Uint8Array {
  const std = token.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(std + "=".repeat((4 - (std.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

function flipChar(token: string, at: number): string {
  return token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
}

/** Every way we know to get a token wrong, for a genuine token of `claims`. */
async function badTokens(claims: TokenClaims): Promise<Record<string, string>> {
  const genuine = await sign(claims);
  const bytes = bytesOf(genuine);
  const otherCampaign = bytes.slice();
  otherCampaign[2] = otherCampaign[2]! ^ 0x01; // campaign varint's low byte: another campaign, same MAC
  const otherKind = bytes.slice();
  otherKind[1] = claims.kind === "open" ? 1 : 2;
  const spliced = new Uint8Array([...bytesOf(await sign({ ...claims, campaignId: claims.campaignId + 1 })).slice(0, -16), ...bytes.slice(-16)]);
  const cases: Record<string, string> = {
    "truncated by one char": genuine.slice(0, -1),
    "truncated by one MAC byte": base64url(bytes.slice(0, -1)),
    "payload only, no MAC": base64url(bytes.slice(0, -16)),
    "cross-campaign (campaign id edited)": base64url(otherCampaign),
    "cross-campaign (other campaign's payload, this MAC)": base64url(spliced),
    "kind byte edited": base64url(otherKind),
    "re-signed with a wrong key": await (await foreignCodec()).sign(claims),
    "random": base64url(crypto.getRandomValues(new Uint8Array(bytes.length))),
    "padding appended": `${genuine}==`,
    "empty-ish": "A",
  };
  for (let i = 0; i < genuine.length; i += Math.max(1, Math.floor(genuine.length / 12))) {
    cases[`char ${i} altered`] = flipChar(genuine, i);
  }
  return cases;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("GET /t/c/<token>", () => {
  it("redirects a genuine token with 302 to its URL at once and queues one click", async () => {
    const spy = spyQueue();
    const res = await get(`/t/c/${await sign(click)}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(click.url);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(queued(spy)).toEqual([
      expect.objectContaining({ v: 1, kind: "click", campaignId: 900001, recipientId: 42, linkIndex: 3, isBot: false, agent: "person" }),
    ]);
    expect(queued(spy)[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers a 404 page with no Location and queues nothing for forged, truncated, re-signed and cross-campaign tokens", async () => {
    const spy = spyQueue();
    for (const [name, token] of Object.entries(await badTokens(click))) {
      const res = await get(`/t/c/${token}`);
      expect({ name, status: res.status, location: res.headers.get("Location") }).toEqual({ name, status: 404, location: null });
      expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(await res.text()).toContain("Link not recognised");
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it("rejects open and unsubscribe tokens (wrong kind) with 404", async () => {
    const spy = spyQueue();
    for (const kind of ["open", "unsubscribe", "message"] as const) {
      const res = await get(`/t/c/${await sign({ kind, campaignId: 900001, recipientId: 42 })}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("Location")).toBeNull();
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it("never redirects off the signed URL: tampered URL bytes, extra path, query overrides and doubled slashes fail", async () => {
    const token = await sign(click);
    const bytes = bytesOf(token);
    const body = new TextDecoder().decode(bytes.slice(0, -16));
    const evilUrl = body.replace("example.com", "evil.example");
    const tampered = base64url(new Uint8Array([...new TextEncoder().encode(evilUrl), ...bytes.slice(-16)]));
    for (const path of [
      `/t/c/${tampered}`,
      `/t/c/${token}/https://evil.example/`,
      `/t/c/${token}%2F%2Fevil.example`,
      `/t/c//evil.example`,
      `/t/c/https%3A%2F%2Fevil.example`,
      `/t/c/`,
    ]) {
      const res = await get(path);
      expect({ path, status: res.status, location: res.headers.get("Location") }).toEqual({ path, status: 404, location: null });
    }
    const withQuery = await get(`/t/c/${token}?url=https://evil.example/&redirect=https://evil.example/`);
    expect(withQuery.status).toBe(302);
    expect(withQuery.headers.get("Location")).toBe(click.url);
  });

  it("refuses to redirect to a signed URL that is not plain http(s) without credentials", async () => {
    for (const url of ["javascript:alert(1)", "data:text/html,hi", "https://user@evil.example/", "ftp://example.com/", "//evil.example/"]) {
      const res = await get(`/t/c/${await sign({ ...click, url })}`);
      expect({ url, status: res.status, location: res.headers.get("Location") }).toEqual({ url, status: 404, location: null });
    }
  });

  it("answers 403 without a redirect for a Host this deployment does not serve", async () => {
    const res = await get(`/t/c/${await sign(click)}`, { headers: { Host: "evil.example", "User-Agent": BROWSER_UA } });
    expect(res.status).toBe(403);
    expect(res.headers.get("Location")).toBeNull();
  });
});

describe("GET /t/o/<token>", () => {
  it("returns a 43-byte no-store GIF and queues one open", async () => {
    const spy = spyQueue();
    const res = await get(`/t/o/${await sign(open)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/gif");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.length).toBe(43);
    expect(new TextDecoder().decode(body.slice(0, 6))).toBe("GIF89a");
    expect(queued(spy)).toEqual([expect.objectContaining({ kind: "open", campaignId: 900001, recipientId: 42, isBot: false })]);
  });

  it("returns the same GIF for bad tokens and records nothing", async () => {
    const genuine = new Uint8Array(await (await get(`/t/o/${await sign(open)}`)).arrayBuffer());
    const spy = spyQueue();
    const tokens = { ...(await badTokens(open)), "click token": await sign(click) };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await get(`/t/o/${token}`);
      expect({ name, status: res.status, type: res.headers.get("Content-Type") }).toEqual({ name, status: 200, type: "image/gif" });
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(genuine);
    }
    expect((await get(`/t/o/${await sign(open)}/extra`)).headers.get("Content-Type")).toBe("image/gif");
    expect(spy).not.toHaveBeenCalled();
  });
});

describe("bots and prefetchers", () => {
  const cases: Array<[string, string, RequestInit, string]> = [
    ["Apple MPP proxy (bare Mozilla/5.0) opening", "open", { headers: { "User-Agent": "Mozilla/5.0" } }, "apple_mpp"],
    [
      "Google image proxy opening",
      "open",
      { headers: { "User-Agent": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)" } },
      "image_proxy",
    ],
    ["a mail-security scanner clicking", "click", { headers: { "User-Agent": "Mozilla/5.0 (compatible; Mimecast URL Protect)" } }, "link_scanner"],
    ["Microsoft Safe Links / BingPreview clicking", "click", { headers: { "User-Agent": "Mozilla/5.0 BingPreview/1.0b" } }, "link_scanner"],
    ["a script with no User-Agent", "click", { headers: { "User-Agent": "" } }, "no_user_agent"],
    ["curl", "click", { headers: { "User-Agent": "curl/8.5.0" } }, "automation"],
    ["a HEAD request with a browser UA", "click", { method: "HEAD", headers: { "User-Agent": BROWSER_UA } }, "head_request"],
    ["a HEAD request for the pixel", "open", { method: "HEAD", headers: { "User-Agent": BROWSER_UA } }, "head_request"],
  ];
  for (const [name, kind, init, agent] of cases) {
    it(`queues ${name} as a bot (${agent}) and still answers normally`, async () => {
      const spy = spyQueue();
      const token = await sign(kind === "open" ? open : click);
      const res = await get(`/t/${kind === "open" ? "o" : "c"}/${token}`, init);
      expect(res.status).toBe(kind === "open" ? 200 : 302);
      expect(queued(spy)).toEqual([expect.objectContaining({ kind, isBot: true, agent })]);
    });
  }
});

describe("hot path", () => {
  /** A D1 binding that fails the test on any use at all. */
  const forbiddenDb = new Proxy({} as D1Database, {
    get(_target, prop) {
      throw new Error(`D1 touched on the hot path (${String(prop)})`);
    },
  });

  it("redirects clicks and serves the pixel with a DB binding that throws on any use", async () => {
    const sent: unknown[] = [];
    const queue = { send: async (body: unknown) => void sent.push(body), sendBatch: async () => undefined } as unknown as Queue;
    const ctx = createExecutionContext();
    const hotEnv = { ...env, DB: forbiddenDb, TRACKING_EVENTS: queue };
    const clickRes = await app.request(`${BASE}/t/c/${await sign(click)}`, { headers: { "User-Agent": BROWSER_UA } }, hotEnv, ctx);
    const openRes = await app.request(`${BASE}/t/o/${await sign(open)}`, { headers: { "User-Agent": BROWSER_UA } }, hotEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(clickRes.status).toBe(302);
    expect(clickRes.headers.get("Location")).toBe(click.url);
    expect(openRes.status).toBe(200);
    expect(sent).toHaveLength(2);
  });

  it("still redirects when the queue refuses the event", async () => {
    const queue = { send: async () => Promise.reject(new Error("queue unavailable")) } as unknown as Queue;
    const ctx = createExecutionContext();
    const res = await app.request(`${BASE}/t/c/${await sign(click)}`, {}, { ...env, DB: forbiddenDb, TRACKING_EVENTS: queue }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(click.url);
  });
});

describe("fuzzed tokens", () => {
  it("never redirects or queues for any byte-level mutation of a genuine click token", async () => {
    const genuine = bytesOf(await sign(click));
    const sent: unknown[] = [];
    const queue = { send: async (body: unknown) => void sent.push(body) } as unknown as Queue;
    const mutation = fc.oneof(
      fc.record({ op: fc.constant("flip" as const), at: fc.nat(genuine.length - 1), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ op: fc.constant("truncate" as const), at: fc.nat(genuine.length - 1), bit: fc.constant(0) }),
      fc.record({ op: fc.constant("insert" as const), at: fc.nat(genuine.length), bit: fc.integer({ min: 0, max: 255 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        let bytes = genuine.slice();
        for (const m of mutations) {
          const at = Math.min(m.at, bytes.length);
          if (m.op === "flip" && at < bytes.length) bytes[at] = bytes[at]! ^ (1 << m.bit);
          if (m.op === "truncate") bytes = bytes.slice(0, at);
          if (m.op === "insert") bytes = new Uint8Array([...bytes.slice(0, at), m.bit, ...bytes.slice(at)]);
        }
        if (bytes.length === genuine.length && bytes.every((b, i) => b === genuine[i])) return; // mutations cancelled out
        const ctx = createExecutionContext();
        const res = await app.request(`${BASE}/t/c/${base64url(bytes)}`, {}, { ...env, TRACKING_EVENTS: queue }, ctx);
        await waitOnExecutionContext(ctx);
        expect(res.status).toBe(404);
        expect(res.headers.get("Location")).toBeNull();
      }),
      { numRuns: 2000 },
    );
    expect(sent).toEqual([]);
  });
});
