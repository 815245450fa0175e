/** /mcp authentication and authorisation: static token, JWT (HS256 and JWKS), roles, rate limits. */
import { createExecutionContext, env } from "cloudflare:test";
import { importJWK, SignJWT } from "jose";
import { describe, expect, inject, it, vi } from "vitest";
import { app } from "../../src/app";
import { RateLimiter } from "../../src/auth";

const SECRET = "hs256-test-secret-with-enough-entropy-0123456789";
const AUDIENCE = "https://pigeonhole.test/mcp";
const ISSUER = "https://issuer.test";
const jwks = inject("jwks");

type Overrides = Partial<Record<keyof Env, string>>;

function envWith(overrides: Overrides): Env {
  return { ...env, JWT_SECRET: SECRET, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER, ...overrides } as Env;
}

async function hsToken(claims: Record<string, unknown>, options: { exp?: string | number; aud?: string; iss?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(String(claims.sub ?? crypto.randomUUID()))
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuer(options.iss ?? ISSUER)
    .setExpirationTime(options.exp ?? "5m")
    .sign(new TextEncoder().encode(SECRET));
}

async function rsToken(claims: Record<string, unknown>, kid = jwks.kid) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid })
    .setSubject(crypto.randomUUID())
    .setAudience(AUDIENCE)
    .setIssuer(ISSUER)
    .setExpirationTime("5m")
    .sign(await importJWK(jwks.privateJwk, "RS256"));
}

function rpc(method: string, params?: unknown, id = 1) {
  return { jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) };
}

async function post(token: string, body: unknown, overrides: Overrides = {}) {
  return app.request(
    "http://127.0.0.1/mcp",
    {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(body),
    },
    envWith(overrides),
    createExecutionContext(),
  );
}

const callTool = (name: string, args: Record<string, unknown> = {}) => rpc("tools/call", { name, arguments: args });

describe("JWT bearer (HS256)", () => {
  it("accepts a valid writer token for a writing tool", async () => {
    const res = await post(await hsToken({ role: "writer" }), callTool("ensure_project", { human_key: "/jwt/writer" }));
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain("jwt-writer");
  });

  it("rejects an expired token with 401", async () => {
    const token = await hsToken({ role: "writer" }, { exp: Math.floor(Date.now() / 1000) - 3600 });
    const res = await post(token, callTool("health_check"));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("expired");
  });

  it("rejects a token issued for another audience with 401", async () => {
    const res = await post(await hsToken({ role: "writer" }, { aud: "https://other.test/mcp" }), callTool("health_check"));
    expect(res.status).toBe(401);
  });

  it("rejects a token from another issuer with 401", async () => {
    const res = await post(await hsToken({ role: "writer" }, { iss: "https://evil.test" }), callTool("health_check"));
    expect(res.status).toBe(401);
  });

  it("rejects a token signed with another secret with 401", async () => {
    const forged = await new SignJWT({ role: "writer" })
      .setProtectedHeader({ alg: "HS256" })
      .setAudience(AUDIENCE)
      .setIssuer(ISSUER)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("not-the-secret-not-the-secret-not"));
    expect((await post(forged, callTool("health_check"))).status).toBe(401);
  });

  it("rejects an unsigned (alg none) token with 401", async () => {
    const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const exp = Math.floor(Date.now() / 1000) + 300;
    const unsigned = `${b64({ alg: "none" })}.${b64({ role: "writer", aud: AUDIENCE, iss: ISSUER, exp })}.`;
    expect((await post(unsigned, callTool("health_check"))).status).toBe(401);
  });
});

describe("roles", () => {
  it("lets a reader list tools and call a read-only tool", async () => {
    const token = await hsToken({ role: "reader" });
    expect((await post(token, rpc("tools/list"))).status).toBe(200);
    expect((await post(token, callTool("health_check"))).status).toBe(200);
  });

  it("forbids a reader from calling a writing tool with 403 FORBIDDEN", async () => {
    const res = await post(await hsToken({ role: "reader" }), callTool("ensure_project", { human_key: "/jwt/reader" }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("FORBIDDEN");
  });

  it("lets a reader call the read-only actions of an {action, payload} tool, and forbids the others", async () => {
    const token = await hsToken({ role: "reader" });
    const status = await post(token, callTool("campaigns", { action: "status", payload: { campaign_id: 1 } }));
    expect(status.status).toBe(200);
    const send = await post(token, callTool("campaigns", { action: "send", payload: { campaign_id: 1 } }));
    expect(send.status).toBe(403);
    expect(((await send.json()) as { error: { details: { action: string } } }).error.details.action).toBe("send");
  });

  it("treats a token without a role claim as a reader", async () => {
    const res = await post(await hsToken({}), callTool("ensure_project", { human_key: "/jwt/norole" }));
    expect(res.status).toBe(403);
  });

  it("forbids a batch that hides one writing call among reads", async () => {
    const token = await hsToken({ role: "reader" });
    const res = await post(token, [callTool("health_check"), callTool("ensure_project", { human_key: "/jwt/batch" }, )]);
    expect(res.status).toBe(403);
  });
});

describe("JWT bearer (JWKS)", () => {
  const jwksEnv = { JWT_SECRET: "", JWT_JWKS_URL: jwks.url };

  it("accepts a token signed by a key from the JWKS", async () => {
    const res = await post(await rsToken({ role: "writer" }), callTool("health_check"), jwksEnv);
    expect(res.status).toBe(200);
  });

  it("rejects a token whose kid is not in the JWKS with 401", async () => {
    const res = await post(await rsToken({ role: "writer" }, "unknown-kid"), callTool("health_check"), jwksEnv);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("kid");
  });

  it("rejects an HS256 token when only JWKS keys are trusted", async () => {
    const res = await post(await hsToken({ role: "writer" }), callTool("health_check"), jwksEnv);
    expect(res.status).toBe(401);
  });
});

describe("rate limits", () => {
  it("answers a burst over the per-credential limit with 429 and Retry-After", async () => {
    const token = await hsToken({ role: "writer", sub: crypto.randomUUID() });
    const limits = { RATE_LIMIT_PER_MINUTE: "3" };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(token, callTool("health_check"), limits)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await post(token, callTool("health_check"), limits);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { type: string } }).error.type).toBe("RATE_LIMITED");
  });

  it("admits exactly N calls a minute, then answers 429 with retry_after_seconds", async () => {
    const token = await hsToken({ role: "writer", sub: crypto.randomUUID() });
    const limits = { RATE_LIMIT_PER_MINUTE: "4" };
    for (let i = 0; i < 4; i++) expect((await post(token, callTool("health_check"), limits)).status).toBe(200);
    const limited = await post(token, callTool("health_check"), limits);
    expect(limited.status).toBe(429);
    const { error } = (await limited.json()) as { error: { type: string; details: { retry_after_seconds: number } } };
    expect(error.type).toBe("RATE_LIMITED");
    expect(error.details.retry_after_seconds).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("Retry-After")).toBe(String(error.details.retry_after_seconds));
  });

  it("spends leased tokens: a burst under the default limits makes few limiter calls", async () => {
    const token = await hsToken({ role: "writer", sub: crypto.randomUUID() });
    const leases = vi.spyOn(RateLimiter.prototype, "lease");
    try {
      for (let i = 0; i < 40; i++) expect((await post(token, callTool("health_check"))).status).toBe(200);
      expect(leases.mock.calls.length).toBeGreaterThan(0);
      expect(leases.mock.calls.length).toBeLessThanOrEqual(10);
    } finally {
      leases.mockRestore();
    }
  });

  it("limits each tool separately within a credential", async () => {
    const token = await hsToken({ role: "writer", sub: crypto.randomUUID() });
    const limits = { RATE_LIMIT_TOOL_PER_MINUTE: "2" };
    expect((await post(token, callTool("health_check"), limits)).status).toBe(200);
    expect((await post(token, callTool("health_check"), limits)).status).toBe(200);
    expect((await post(token, callTool("health_check"), limits)).status).toBe(429);
    const other = await post(token, callTool("ensure_project", { human_key: "/rl/other-tool" }), limits);
    expect(other.status).toBe(200);
  });

  it("keeps credentials apart: one caller's burst does not limit another", async () => {
    const limits = { RATE_LIMIT_PER_MINUTE: "1" };
    const first = await hsToken({ role: "writer", sub: crypto.randomUUID() });
    const second = await hsToken({ role: "writer", sub: crypto.randomUUID() });
    expect((await post(first, callTool("health_check"), limits)).status).toBe(200);
    expect((await post(first, callTool("health_check"), limits)).status).toBe(429);
    expect((await post(second, callTool("health_check"), limits)).status).toBe(200);
  });

  it("never limits the health routes", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await app.request("http://127.0.0.1/health/liveness", {}, envWith({ RATE_LIMIT_PER_MINUTE: "1" }));
      expect(res.status).toBe(200);
    }
  });
});
