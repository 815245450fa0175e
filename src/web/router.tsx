/**
 * The dashboard router, mounted at /dashboard: security headers and CSRF on everything, login/logout,
 * a session guard, and the HTML error page. Pages live in routes/.
 */
import { Hono } from "hono";
import { AppError } from "../shared/errors";
import { verifyTypedCredential } from "./credentials";
import { csrfProtection } from "./csrf";
import type { WebEnv } from "./env";
import { requireSession, safeNextPath } from "./guards";
import { renderError } from "./error-page";
import { LoginPage } from "./pages/login";
import { campaignRoutes } from "./routes/campaigns";
import { coordinatorRoutes } from "./routes/coordinator";
import { mailRoutes } from "./routes/mail";
import { projectRoutes } from "./routes/projects";
import { pageSecurityHeaders } from "./security-headers";
import { endSession, startSession } from "./session";
import { STYLESHEET } from "./style";

export const webRoutes = new Hono<WebEnv>();

webRoutes.get("/static/app.css", (c) =>
  c.body(STYLESHEET, 200, {
    "Content-Type": "text/css; charset=utf-8",
    "Cache-Control": "public, max-age=3600",
    "X-Content-Type-Options": "nosniff",
  }),
);

webRoutes.use("*", pageSecurityHeaders(), csrfProtection());

webRoutes.get("/login", (c) =>
  c.get("session")
    ? c.redirect(safeNextPath(c.req.query("next")), 303)
    : c.html(<LoginPage csrfToken={c.get("csrfToken")} next={safeNextPath(c.req.query("next"))} />),
);

webRoutes.post("/login", async (c) => {
  const form = await c.req.parseBody();
  const next = safeNextPath(typeof form.next === "string" ? form.next : undefined);
  const token = typeof form.token === "string" ? form.token.trim() : "";
  try {
    const principal = await verifyTypedCredential(c, token);
    await startSession(c, principal.role);
  } catch (err) {
    if (!(err instanceof AppError) || err.type !== "AUTHENTICATION_REQUIRED") throw err;
    return c.html(<LoginPage csrfToken={c.get("csrfToken")} next={next} error={err.message} />, 401);
  }
  return c.redirect(next, 303);
});

webRoutes.post("/logout", (c) => {
  endSession(c);
  return c.redirect("/dashboard/login", 303);
});

webRoutes.use("*", requireSession());
webRoutes.get("/", (c) => c.redirect("/dashboard/projects", 303));
webRoutes.route("/", projectRoutes);
webRoutes.route("/", mailRoutes);
webRoutes.route("/", campaignRoutes);
webRoutes.route("/", coordinatorRoutes);

webRoutes.onError(renderError);
