/**
 * Route composition and the HTTP edge's one error mapper. Every response that is not a success is
 * `{error:{type, message, details?}}` with the status from the error type.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "./app-env";
import { serveOAuthEndpoint, serveRootResourceMetadata } from "./auth";
import { archiveRoutes, attachmentRoutes } from "./coordinator";
import { databaseReady } from "./mail";
import { mcpRoutes } from "./mcp";
import { AppError, httpStatusOf, toWireError } from "./shared/errors";
import { newRequestId } from "./shared/ids";
import { trackingRoutes } from "./tracking";
import { authorizeRoutes, webRoutes } from "./web";

// strict: false so /mcp and /mcp/ are the same endpoint.
export const app = new Hono<AppEnv>({ strict: false });

app.use("*", async (c, next) => {
  c.set("requestId", newRequestId());
  await next();
});

app.get("/health/liveness", (c) => c.json({ status: "alive" }));

app.get("/health/readiness", async (c) =>
  (await databaseReady(c.env.DB)) ? c.json({ status: "ready" }) : c.json({ status: "unavailable" }, 503),
);

app.route("/mcp", mcpRoutes);
app.route("/archive", archiveRoutes);
app.route("/attachments", attachmentRoutes);

// Public: /t/c, /t/o (click, open) and /u (unsubscribe); no auth, Host checked.
app.route("/", trackingRoutes);

// OAuth 2.1 for remote connectors: the consent page is ours, the protocol endpoints are the provider's.
app.route("/oauth/authorize", authorizeRoutes);
app.on(["GET", "HEAD"], "/.well-known/oauth-protected-resource", serveRootResourceMetadata);
for (const path of ["/.well-known/oauth-authorization-server", "/.well-known/oauth-protected-resource", "/oauth/token", "/oauth/register"]) {
  app.all(path, serveOAuthEndpoint);
  app.all(`${path}/*`, serveOAuthEndpoint);
}
app.route("/dashboard", webRoutes);
app.get("/", (c) => c.redirect("/dashboard", 303));

app.notFound((c) =>
  errorResponse(c, new AppError("NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)),
);

app.onError((err, c) => errorResponse(c, err));

function errorResponse(c: Context<AppEnv>, err: unknown): Response {
  const error = toWireError(err, c.get("requestId") ?? newRequestId());
  const retryAfter = error.details?.retry_after_seconds;
  if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
  return c.json({ error }, httpStatusOf(error.type) as 400);
}
