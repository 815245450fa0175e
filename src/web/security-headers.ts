/**
 * Security headers for every HTML page the Worker serves (dashboard and the OAuth authorize page). The CSP
 * allows no script at all, styles only from our own stylesheet, images only from ourselves, and no framing;
 * rendered markdown therefore cannot run code even if the sanitiser ever let markup through.
 */
import type { MiddlewareHandler } from "hono";

/** `form-action` must also name the origin a form's response redirects to (the OAuth client, on /authorize). */
export function contentSecurityPolicy(formActionOrigins: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    `form-action 'self'${formActionOrigins.map((o) => ` ${o}`).join("")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

const FIXED_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  "Cache-Control": "no-store",
};

export function pageSecurityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(FIXED_HEADERS)) c.res.headers.set(name, value);
    // A route may have widened form-action (the authorize page); otherwise the strict default applies.
    if (!c.res.headers.has("Content-Security-Policy")) c.res.headers.set("Content-Security-Policy", contentSecurityPolicy());
    if (new URL(c.req.url).protocol === "https:") {
      c.res.headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }
  };
}
