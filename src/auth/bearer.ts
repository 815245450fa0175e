/** Static bearer-token authentication for /mcp (constant-time compare against PIGEONHOLE_TOKEN). */
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
