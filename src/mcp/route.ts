/**
 * The /mcp Streamable HTTP endpoint: stateless, JSON responses, one server + transport per request.
 * Order: Origin/Host → bearer (OAuth token, static token, JWT, agent token; see auth/oauth.ts) → role →
 * rate limit → MCP. The body is parsed once here (routing decisions need the tool names) and handed to the
 * transport as `parsedBody`.
 */
import {
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  readRequestBody,
  requestBodyTooLargeMessage,
} from "@modelcontextprotocol/sdk/server/requestBody.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import {
  authorizeCalls,
  bearerTokenOf,
  enforceRateLimits,
  insufficientScopeChallenge,
  requireMcpAuth,
  requireTrustedOrigin,
  rpcCallsOf,
} from "../auth";
import { archivingNotifier, claimsContactSignals } from "../coordinator";
import { createDb } from "../db";
import { durableNotifier } from "../notifications";
import { AppError } from "../shared/errors";
import { openMailEvents } from "./events";
import { buildMcpServer, isReadOnlyTool } from "./server";

export const mcpRoutes = new Hono<AppEnv>();

mcpRoutes.use("*", requireTrustedOrigin(), requireMcpAuth());

mcpRoutes.post("/", async (c) => {
  const { body, request } = await readRpcBody(c.req.raw);
  const calls = rpcCallsOf(body);
  const principal = c.get("principal");
  try {
    authorizeCalls(principal, calls, isReadOnlyTool);
  } catch (err) {
    // An OAuth connector can fix this itself by asking the human for write access (step-up).
    if (principal.kind === "oauth") c.header("WWW-Authenticate", insufficientScopeChallenge(c.env));
    throw err;
  }
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  await enforceRateLimits(c.env, principal, calls, waitUntil);

  const db = createDb(c.env.DB);
  const server = buildMcpServer({
    env: c.env,
    db,
    requestId: c.get("requestId"),
    principal,
    // An agent's registration token as the bearer stands in for the token argument of acting tools.
    agentBearer: principal.kind === "agent" ? bearerTokenOf(c.req.header("Authorization")) : undefined,
    // Every delivery is committed to the project's archive in the background (idempotent, repairable),
    // then pushed to the recipients' open event streams.
    notifier: archivingNotifier(c.env, db, waitUntil, durableNotifier(c.env, waitUntil)),
    contactSignals: claimsContactSignals(c.env, db),
    waitUntil,
  });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  // Not closed afterwards: in JSON mode the exchange is complete when handleRequest resolves, and close() would only
  // abort handlers that already finished and build a "connection closed" error for nobody (≈ 0.4 ms, a tenth of a
  // cheap call). Nothing outside this request refers to the pair, so it is garbage once the response is sent.
  return transport.handleRequest(request, body === undefined ? undefined : { parsedBody: body });
});

/**
 * Reads the body once, under the transport's own size bound (routing needs the tool names before the transport
 * runs). Unparsable JSON is left to the transport, which answers with the JSON-RPC parse error: it gets a request
 * carrying the same text.
 */
async function readRpcBody(raw: Request): Promise<{ body: unknown; request: Request }> {
  const text = await readBoundedText(raw);
  try {
    return { body: JSON.parse(text) as unknown, request: raw };
  } catch {
    return { body: undefined, request: new Request(raw.url, { method: raw.method, headers: raw.headers, body: text }) };
  }
}

/**
 * A declared length is enforced by the runtime, so such a body within the bound is read natively in one go (the
 * common case, and several times cheaper than the SDK's chunk-by-chunk reader); a chunked one is read with the
 * SDK's reader, which stops as soon as the bound is passed.
 */
async function readBoundedText(raw: Request): Promise<string> {
  const declared = raw.headers.get("content-length");
  if (declared !== null && Number(declared) <= DEFAULT_MAX_REQUEST_BODY_SIZE) return raw.text();
  const read = await readRequestBody(raw, DEFAULT_MAX_REQUEST_BODY_SIZE);
  if (read.tooLarge) throw new AppError("PAYLOAD_TOO_LARGE", requestBodyTooLargeMessage(DEFAULT_MAX_REQUEST_BODY_SIZE));
  return read.text;
}

// Push for new mail lives beside the stateless endpoint, in the project's MailEvents Durable Object.
mcpRoutes.get("/events", openMailEvents);

// Stateless server: no standalone SSE stream and no sessions to delete.
mcpRoutes.on(["GET", "DELETE"], "/", (c) => {
  c.header("Allow", "POST");
  throw new AppError("METHOD_NOT_ALLOWED", `${c.req.method} is not supported on /mcp; POST JSON-RPC messages.`);
});
