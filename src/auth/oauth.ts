/**
 * OAuth 2.1 for remote MCP connectors, on @cloudflare/workers-oauth-provider. This Worker is both the
 * authorization server (RFC 8414 metadata, dynamic client registration, PKCE code flow, refresh, revocation;
 * grants in OAUTH_KV) and the resource server for `<PUBLIC_BASE_URL>/mcp` (RFC 9728 metadata, a
 * `WWW-Authenticate: Bearer resource_metadata=…` challenge, tokens accepted only for that audience).
 *
 * Every /mcp request is authenticated here. Tokens this provider issued are checked by the library;
 * anything else (the static token, JWTs, agent registration tokens) goes through `resolveExternalToken` to
 * `authenticate`. Either way the request continues into the Hono pipeline with a Principal.
 *
 * The provider needs one canonical resource, so requests are re-addressed to PUBLIC_BASE_URL's origin
 * before it sees them (their Host has already passed requireTrustedOrigin): loopback aliases and the
 * workers.dev name are the same deployment, hence the same resource.
 */
import {
  ExternalTokenError,
  getOAuthApi,
  OAuthProvider,
  type OAuthHelpers,
  type OAuthProviderOptions,
  type OAuthResourceAuth,
} from "@cloudflare/workers-oauth-provider";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { AppError, type ErrorType } from "../shared/errors";
import { authenticate } from "./bearer";
import type { Principal, Role } from "./principal";

/** Scopes this server grants: `mcp:read` makes a reader, `mcp:write` a writer (RBAC in rbac.ts). */
export const OAUTH_SCOPES = { read: "mcp:read", write: "mcp:write" } as const;

export const OAUTH_PATHS = {
  authorize: "/oauth/authorize",
  token: "/oauth/token",
  register: "/oauth/register",
} as const;

const MCP_PATH = "/mcp";

/** Short-lived access tokens; connectors refresh silently. */
const ACCESS_TOKEN_TTL_SECONDS = 60 * 60;

/** What an authorization stores with its grant (encrypted by the library). */
export interface GrantProps {
  /** how the human proved they may approve: the deployment token or a dashboard session */
  approvedVia: "deployment-token" | "dashboard-session";
}

/** What `resolveExternalToken` hands to the API handler for non-OAuth credentials. */
interface ExternalProps {
  principal: Principal;
}

export function publicOrigin(env: Env): string {
  return new URL(env.PUBLIC_BASE_URL).origin;
}

/** The canonical resource tokens are bound to (RFC 8707 audience). */
export function mcpResource(env: Env): string {
  return `${publicOrigin(env)}${MCP_PATH}`;
}

/** The request as the provider must see it: same method, headers and body, on the canonical origin. */
export function canonicalRequest(request: Request, env: Env, options: { withBody: boolean } = { withBody: true }): Request {
  const url = new URL(request.url);
  const canonical = new URL(`${url.pathname}${url.search}`, publicOrigin(env));
  if (options.withBody) return new Request(canonical, request);
  return new Request(canonical, { method: request.method, headers: request.headers });
}

/**
 * The /mcp continuation for one request, keyed by the ExecutionContext object handed to the provider:
 * only this module can create such an object, so no request can arrive at the MCP handler with a
 * principal it did not earn.
 */
const continuations = new WeakMap<object, (principal: Principal) => Promise<Response>>();

const apiHandler = {
  fetch(_request: Request, _env: Env, ctx: ExecutionContext & { auth?: OAuthResourceAuth }): Promise<Response> {
    const resume = continuations.get(ctx);
    if (!resume) throw new Error("OAuth API handler reached without a pending /mcp request");
    return resume(principalOf(ctx));
  },
} as unknown as NonNullable<OAuthProviderOptions<Env>["apiHandler"]>;

function principalOf(ctx: ExecutionContext & { auth?: OAuthResourceAuth }): Principal {
  const auth = ctx.auth;
  if (auth?.clientId !== undefined) {
    // A token this provider issued: the role is whatever scope the human granted.
    const role: Role = auth.scope.includes(OAUTH_SCOPES.write) ? "writer" : "reader";
    return { kind: "oauth", id: `oauth:${auth.userId ?? ""}:${auth.clientId}`, role, subject: auth.clientId };
  }
  return (ctx.props as ExternalProps).principal;
}

/** Sends a non-OAuth bearer to our own authentication; its rejection becomes a 401 challenge. */
async function resolveExternalToken({ token, env }: { token: string; env: Env }) {
  try {
    const props: ExternalProps = { principal: await authenticate(env, token) };
    return { props, audience: mcpResource(env) };
  } catch (err) {
    if (err instanceof AppError && err.type === "AUTHENTICATION_REQUIRED") {
      throw new ExternalTokenError("invalid_token", { description: err.message, statusCode: 401 });
    }
    throw err;
  }
}

function optionsFor(env: Env): OAuthProviderOptions<Env> {
  const origin = publicOrigin(env);
  return {
    apiRoute: MCP_PATH,
    apiHandler,
    // Only the protocol endpoints are routed into the provider (app.ts); nothing else reaches it.
    defaultHandler: { fetch: () => new Response(null, { status: 404 }) },
    authorizeEndpoint: OAUTH_PATHS.authorize,
    tokenEndpoint: OAUTH_PATHS.token,
    clientRegistrationEndpoint: OAUTH_PATHS.register,
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    scopesSupported: [OAUTH_SCOPES.read, OAUTH_SCOPES.write],
    requiredScopes: [OAUTH_SCOPES.read],
    resourceMetadata: {
      resource: mcpResource(env),
      authorization_servers: [origin],
      bearer_methods_supported: ["header"],
      resource_name: "Pigeonhole",
    },
    resolveExternalToken,
    onError: logOAuthError,
  };
}

/**
 * Rejected bearers at /mcp are routine and answered to the caller; token-endpoint and registration
 * failures are worth a log line (the library's `internal` reason never reaches the wire).
 */
function logOAuthError(error: { code: string; status: number; internal: { category: string; reason: string } }): void {
  if (error.internal.category === "protected-resource") return;
  console.warn(
    JSON.stringify({ level: "warn", msg: "oauth error", code: error.code, status: error.status, ...error.internal, detail: undefined }),
  );
}

/** One provider per canonical origin (in practice one per isolate): construction validates the options. */
const providers = new Map<string, OAuthProvider<Env>>();

export function oauthProvider(env: Env): OAuthProvider<Env> {
  const key = publicOrigin(env);
  let provider = providers.get(key);
  if (!provider) {
    provider = new OAuthProvider<Env>(optionsFor(env));
    providers.set(key, provider);
  }
  return provider;
}

/** KV key of the purge sweep's resume point; the provider's own records never use this prefix. */
const PURGE_CURSOR_KEY = "pigeonhole:oauth-purge-cursor";
/** Keys checked per phase per cron run: well inside the subrequest limit beside the other jobs. */
const PURGE_BATCH_SIZE = 100;

/**
 * Cron job: removes orphaned and expired grants and tokens (defence in depth beside KV TTLs), resuming
 * where the previous run stopped so a large namespace is swept over several runs.
 */
export async function purgeExpiredOAuthData(env: Env): Promise<void> {
  const provider = oauthProvider(env);
  const cursor = (await env.OAUTH_KV.get(PURGE_CURSOR_KEY)) ?? undefined;
  const purge = (from: string | undefined) => provider.purgeExpiredData(env, { batchSize: PURGE_BATCH_SIZE, cursor: from });
  // A cursor the library no longer understands (an upgrade, a corrupted value) must not stop every later run.
  const result = await purge(cursor).catch((err: unknown) => {
    if (cursor !== undefined && err instanceof TypeError) return purge(undefined);
    throw err;
  });
  if (result.cursor) await env.OAUTH_KV.put(PURGE_CURSOR_KEY, result.cursor);
  else await env.OAUTH_KV.delete(PURGE_CURSOR_KEY);
}

/** Helpers for the authorize page (parse, consent, complete). */
export function oauthApi(env: Env): OAuthHelpers {
  return getOAuthApi<Env>(optionsFor(env), env);
}

/** Serves the provider's own endpoints: metadata documents, token, registration. */
export function serveOAuthEndpoint(c: Context<AppEnv>): Promise<Response> {
  return oauthProvider(c.env).fetch(canonicalRequest(c.req.raw, c.env), c.env, c.executionCtx as unknown as ExecutionContext);
}

/**
 * The step-up challenge for a connector whose grant lacks write access (MCP scope challenge handling):
 * the client may re-authorize for every scope named here in one round trip.
 */
export function insufficientScopeChallenge(env: Env): string {
  const metadataUrl = `${publicOrigin(env)}/.well-known/oauth-protected-resource${MCP_PATH}`;
  return `Bearer realm="OAuth", error="insufficient_scope", scope="${OAUTH_SCOPES.read} ${OAUTH_SCOPES.write}", resource_metadata="${metadataUrl}"`;
}

/**
 * The origin-level protected resource metadata URL. The provider serves the path-aware document
 * (`/.well-known/oauth-protected-resource/mcp`) only; clients that predate path-aware discovery look at the
 * root, and this origin protects exactly one resource, so the root answers with the same document.
 */
export function serveRootResourceMetadata(c: Context<AppEnv>): Promise<Response> {
  const request = canonicalRequest(c.req.raw, c.env, { withBody: false });
  const pathAware = new Request(new URL(`/.well-known/oauth-protected-resource${MCP_PATH}`, request.url), request);
  return oauthProvider(c.env).fetch(pathAware, c.env, c.executionCtx as unknown as ExecutionContext);
}

/**
 * Authenticates /mcp through the provider and continues the Hono pipeline with `principal` set.
 * A rejection is re-thrown as our AUTHENTICATION_REQUIRED error (JSON like every other error) while
 * keeping the provider's `WWW-Authenticate` challenge, which names the resource metadata.
 */
export function requireMcpAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await authenticateOwnBearer(c.env, c.req.raw);
    if (principal) {
      c.set("principal", principal);
      return next();
    }
    // A fresh object per request (the continuation's key); it forwards to the real context lazily.
    const ctx = {
      waitUntil: (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise),
      passThroughOnException: () => c.executionCtx.passThroughOnException(),
      props: {},
    } as unknown as ExecutionContext;
    let continued = false;
    continuations.set(ctx, async (principal) => {
      continued = true;
      c.set("principal", principal);
      await next();
      return c.res;
    });
    const response = await oauthProvider(c.env).fetch(canonicalRequest(c.req.raw, c.env, { withBody: false }), c.env, ctx);
    if (continued) {
      // The provider only decorated our own response (CORS for allowed browser origins).
      c.res = response;
      return;
    }
    // A CORS preflight, answered by the provider itself (the Origin was already checked).
    if (response.status < 400) return response;
    for (const name of ["WWW-Authenticate", "Retry-After"]) {
      const value = response.headers.get(name);
      if (value) c.header(name, value);
    }
    const body = (await response.json().catch(() => undefined)) as { error_description?: string } | undefined;
    const message =
      body?.error_description ??
      "Missing Authorization header; send 'Authorization: Bearer <token>', or connect with OAuth (see WWW-Authenticate).";
    throw new AppError(REJECTIONS[response.status] ?? "UNAVAILABLE", message);
  };
}

/**
 * The provider hands any bearer that is not in its own `user:grant:secret` shape to `resolveExternalToken`, and
 * only adds CORS headers to the answer when the request has an Origin. For such a request we call
 * `authenticate` directly and skip rebuilding the request for the provider (about a third of a cheap call's CPU).
 * Anything else, and every rejection, takes the provider's path, so challenges and CORS stay the provider's.
 */
async function authenticateOwnBearer(env: Env, request: Request): Promise<Principal | undefined> {
  if (request.method === "OPTIONS" || request.headers.has("Origin")) return undefined;
  // The provider's own bearer syntax, so both paths accept exactly the same headers.
  const token = /^Bearer[\t ]+([^\s,]+)$/i.exec(request.headers.get("Authorization") ?? "")?.[1];
  if (token === undefined || token.includes(":")) return undefined;
  try {
    return await authenticate(env, token);
  } catch (err) {
    if (err instanceof AppError && err.type === "AUTHENTICATION_REQUIRED") return undefined;
    throw err;
  }
}

/** The provider's rejection statuses as our error types. */
const REJECTIONS: Readonly<Record<number, ErrorType>> = {
  401: "AUTHENTICATION_REQUIRED",
  403: "FORBIDDEN",
  429: "RATE_LIMITED",
};
