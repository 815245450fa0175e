/** The /mcp Streamable HTTP endpoint: stateless, JSON responses, one server + transport per request. */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { bearerTokenOf, requireBearer, requireTrustedOrigin } from "../auth";
import { archivingNotifier, claimsContactSignals } from "../coordinator";
import { createDb } from "../db";
import { AppError } from "../shared/errors";
import { durableNotifier } from "../notifications";
import { openMailEvents } from "./events";
import { buildMcpServer } from "./server";

export const mcpRoutes = new Hono<AppEnv>();

mcpRoutes.use("*", requireTrustedOrigin(), requireBearer());

mcpRoutes.post("/", async (c) => {
  const bearer = bearerTokenOf(c.req.header("Authorization"));
  const db = createDb(c.env.DB);
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const server = buildMcpServer({
    env: c.env,
    db,
    requestId: c.get("requestId"),
    agentBearer: bearer !== c.env.PIGEONHOLE_TOKEN ? bearer : undefined,
    // Every delivery is committed to the project's archive in the background (idempotent, repairable).
    notifier: archivingNotifier(c.env, db, waitUntil, durableNotifier(c.env, waitUntil)),
    contactSignals: claimsContactSignals(c.env, db),
    waitUntil,
  });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    return await transport.handleRequest(c.req.raw);
  } finally {
    // JSON mode answers in full before handleRequest resolves, so closing here loses nothing.
    await server.close();
  }
});

// Push for new mail lives beside the stateless endpoint, in the project's MailEvents Durable Object.
mcpRoutes.get("/events", openMailEvents);

// Stateless server: no standalone SSE stream and no sessions to delete.
mcpRoutes.on(["GET", "DELETE"], "/", (c) => {
  c.header("Allow", "POST");
  throw new AppError("METHOD_NOT_ALLOWED", `${c.req.method} is not supported on /mcp; POST JSON-RPC messages.`);
});
