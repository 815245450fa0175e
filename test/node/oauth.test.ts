/**
 * OAuth 2.1 for remote MCP connectors, end to end against `wrangler dev` with the MCP SDK client's own
 * OAuth flow (discovery from the 401, dynamic registration, PKCE, consent, code exchange, audience-bound
 * tokens). The consent step is played by a test provider that submits the approve form.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { callOk, rawMcpPost } from "../support/mcp";
import { approveInBrowser, TestOAuthClient, type Approval } from "../support/oauth-client";

const { url, token } = inject("worker");
const mcpUrl = new URL("/mcp", url);

function newTransport(provider: TestOAuthClient) {
  return new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
}

/** Runs the SDK's flow once: connect → 401 → discovery → registration → consent → code exchange → connect. */
async function connectWithOAuth(approval: Approval): Promise<{ client: Client; provider: TestOAuthClient }> {
  const provider = new TestOAuthClient(approval);
  const first = newTransport(provider);
  await expect(new Client({ name: "oauth-test", version: "1.0.0" }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.authorizationCode, `no code; redirected to ${provider.lastRedirect}`).toBeDefined();
  await first.finishAuth(provider.authorizationCode!);
  const client = new Client({ name: "oauth-test", version: "1.0.0" });
  await client.connect(newTransport(provider));
  return { client, provider };
}

describe("discovery (RFC 9728, RFC 8414)", () => {
  it("answers an unauthenticated /mcp with 401 and a challenge naming the resource metadata", async () => {
    const res = await rawMcpPost(url, {});
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toContain(`resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`);
    expect(challenge).toContain('scope="mcp:read"');
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("AUTHENTICATION_REQUIRED");
  });

  it("publishes protected resource metadata at the path-aware and the root URL", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const res = await fetch(new URL(path, url));
      expect(res.status, path).toBe(200);
      const metadata = (await res.json()) as { resource: string; authorization_servers: string[]; scopes_supported: string[] };
      expect(metadata.resource).toBe(`${url}/mcp`);
      expect(metadata.authorization_servers).toEqual([url]);
      expect(metadata.scopes_supported).toEqual(["mcp:read"]);
    }
  });

  it("publishes authorization server metadata with registration and S256 PKCE", async () => {
    const metadata = (await (await fetch(new URL("/.well-known/oauth-authorization-server", url))).json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(url);
    expect(metadata.authorization_endpoint).toBe(`${url}/oauth/authorize`);
    expect(metadata.token_endpoint).toBe(`${url}/oauth/token`);
    expect(metadata.registration_endpoint).toBe(`${url}/oauth/register`);
    expect(metadata.code_challenge_methods_supported).toContain("S256");
    expect(metadata.scopes_supported).toEqual(["mcp:read", "mcp:write"]);
  });
});

describe("SDK client OAuth flow", () => {
  it("connects after the human approves with the deployment token, and a write grant may write", async () => {
    const { client, provider } = await connectWithOAuth({ decision: "approve", token, scopes: ["mcp:read", "mcp:write"] });
    expect(provider.authorizationUrl?.searchParams.get("code_challenge_method")).toBe("S256");
    expect(provider.authorizationUrl?.searchParams.get("resource")).toBe(`${url}/mcp`);
    expect(provider.tokens()?.access_token).toBeDefined();
    const project = await callOk<{ slug: string }>(client, "ensure_project", { human_key: `/srv/oauth-${Date.now()}` });
    expect(project.slug).toMatch(/^srv-oauth-/);
    await client.close();
  });

  it("maps a read-only grant to the reader role: reads work, writes get 403 FORBIDDEN", async () => {
    const { client, provider } = await connectWithOAuth({ decision: "approve", token, scopes: ["mcp:read"] });
    expect((await callOk<{ status: string }>(client, "health_check")).status).toBe("ok");
    await client.close();
    const res = await rawMcpPost(url, { Authorization: `Bearer ${provider.tokens()!.access_token}` }, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "ensure_project", arguments: { human_key: "/srv/oauth-reader" } },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope", scope="mcp:read mcp:write"');
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("FORBIDDEN");
  });

  it("sends the browser back with access_denied when the human denies", async () => {
    const provider = new TestOAuthClient({ decision: "deny", token: "", scopes: [] });
    await expect(new Client({ name: "oauth-test", version: "1.0.0" }).connect(newTransport(provider))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(provider.lastRedirect?.origin + provider.lastRedirect!.pathname).toBe(provider.redirectUrl);
    expect(provider.lastRedirect?.searchParams.get("error")).toBe("access_denied");
    expect(provider.authorizationCode).toBeUndefined();
  });

  it("refuses to approve with a wrong deployment token (401, no code issued)", async () => {
    const provider = new TestOAuthClient({ decision: "approve", token: "wrong-token", scopes: ["mcp:read"] });
    await expect(new Client({ name: "oauth-test", version: "1.0.0" }).connect(newTransport(provider))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(provider.lastRedirect).toBeUndefined();
    expect(provider.authorizationCode).toBeUndefined();
  });

  it("keeps the static deployment token working on /mcp beside OAuth", async () => {
    const res = await rawMcpPost(url, { Authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
  });

  it("rejects a forged token in the provider's own format with 401", async () => {
    const res = await rawMcpPost(url, { Authorization: "Bearer overseer:grant:secretsecretsecret" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });
});

/** A hand-driven code flow, to test what the SDK would never send. */
async function registerClient(redirectUri: string): Promise<string> {
  const res = await fetch(new URL("/oauth/register", url), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "manual", redirect_uris: [redirectUri], token_endpoint_auth_method: "none" }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

function authorizeUrl(params: Record<string, string>): URL {
  const target = new URL("/oauth/authorize", url);
  for (const [k, v] of Object.entries({ response_type: "code", state: "s1", ...params })) target.searchParams.set(k, v);
  return target;
}

describe("authorization server rules", () => {
  const redirectUri = "http://127.0.0.1:9/manual/callback";

  it("issues tokens only to the PKCE verifier that matches the challenge", async () => {
    const clientId = await registerClient(redirectUri);
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const approved = await approveInBrowser(
      authorizeUrl({ client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: "S256", scope: "mcp:read" }),
      { decision: "approve", token, scopes: ["mcp:read"] },
    );
    const code = new URL(approved.headers.get("location")!).searchParams.get("code")!;
    const exchange = (codeVerifier: string) =>
      fetch(new URL("/oauth/token", url), {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, client_id: clientId, code_verifier: codeVerifier }),
      });
    const wrong = await exchange(randomBytes(32).toString("base64url"));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("refuses to issue a token for another resource (audience binding, invalid_target)", async () => {
    const clientId = await registerClient(redirectUri);
    const challenge = createHash("sha256").update(randomBytes(32)).digest("base64url");
    const res = await approveInBrowser(
      authorizeUrl({
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: "S256",
        resource: "https://other.example/mcp",
      }),
      { decision: "approve", token, scopes: ["mcp:read"] },
    );
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("invalid_target");
  });

  it("renders an error instead of redirecting to an unregistered redirect URI", async () => {
    const clientId = await registerClient(redirectUri);
    const res = await fetch(
      authorizeUrl({ client_id: clientId, redirect_uri: "https://evil.example/cb", code_challenge: "x".repeat(43), code_challenge_method: "S256" }),
      { redirect: "manual" },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});
