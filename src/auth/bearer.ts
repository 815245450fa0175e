/**
 * Static bearer-token authentication for /mcp (constant-time compare against PIGEONHOLE_TOKEN), and the same
 * token accepted as a Basic password for clients that cannot send a bearer (git over HTTP).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { timingSafeEqualStrings } from "../shared/crypto";
import { AppError } from "../shared/errors";

export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

export function requireBearer(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env.PIGEONHOLE_TOKEN;
    const presented = bearerTokenOf(c.req.header("Authorization"));
    // An unset or empty secret must never authenticate an empty bearer.
    const ok = Boolean(expected) && presented !== undefined && (await timingSafeEqualStrings(presented, expected));
    if (!ok) {
      c.header("WWW-Authenticate", 'Bearer realm="pigeonhole"');
      throw new AppError(
        "AUTHENTICATION_REQUIRED",
        presented === undefined
          ? "Missing Authorization header; send 'Authorization: Bearer <token>'."
          : "Invalid bearer token.",
      );
    }
    await next();
  };
}

/** The password of an `Authorization: Basic` header (any user name), or undefined. */
export function basicPasswordOf(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!match) return undefined;
  let decoded: string;
  try {
    decoded = atob(match[1]!);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * For git's HTTP client: `Authorization: Bearer <token>` (via `http.extraHeader`) or Basic with the token as the
 * password (`https://git:<token>@host/...`). Failures answer 401 with a Basic challenge, which is what makes git
 * send the credentials from the URL or a credential helper.
 */
export function requireBearerOrBasic(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.env.PIGEONHOLE_TOKEN;
    const header = c.req.header("Authorization");
    const presented = bearerTokenOf(header) ?? basicPasswordOf(header);
    const ok = Boolean(expected) && presented !== undefined && (await timingSafeEqualStrings(presented, expected));
    if (!ok) {
      c.header("WWW-Authenticate", 'Basic realm="pigeonhole archive", charset="UTF-8"');
      throw new AppError(
        "AUTHENTICATION_REQUIRED",
        presented === undefined
          ? "Missing credentials; send 'Authorization: Bearer <token>' or use the token as the Basic password."
          : "Invalid token.",
      );
    }
    await next();
  };
}
