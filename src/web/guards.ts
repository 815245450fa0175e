/** Route guards for dashboard pages: a session is required, and overseer actions need the writer role. */
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../shared/errors";
import type { WebEnv } from "./env";
import type { Session } from "./session";

/** Where login may send the browser back to: our own dashboard paths only (no open redirect). */
export function safeNextPath(next: string | undefined): string {
  return next !== undefined && /^\/dashboard(\/[^\\]*)?$/.test(next) && !next.startsWith("//") ? next : "/dashboard";
}

export function requireSession(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (c.get("session")) return next();
    if (c.req.method === "GET" || c.req.method === "HEAD") {
      const url = new URL(c.req.url);
      return c.redirect(`/dashboard/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    throw new AppError("AUTHENTICATION_REQUIRED", "Log in to the dashboard first.");
  };
}

/** The session of a writer, for overseer actions; readers get 403. */
export function writerSession(c: Context<WebEnv>): Session {
  const session = c.get("session");
  if (session?.role !== "writer") {
    throw new AppError("FORBIDDEN", "This action needs a writer credential; log in with the deployment token.");
  }
  return session;
}
