/**
 * DNS-rebinding defence required by the MCP transport spec: a browser `Origin` that is not allowed,
 * or a `Host` that is not ours, gets 403 before anything else runs. Non-browser clients send no Origin.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { AppError } from "../shared/errors";

const LOOPBACK_HOSTNAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function allowedOrigins(env: Env): Set<string> {
  return new Set(
    env.ALLOWED_ORIGINS.split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter((o) => o !== ""),
  );
}

function allowedHostnames(env: Env): Set<string> {
  const hosts = new Set(LOOPBACK_HOSTNAMES);
  hosts.add(new URL(env.PUBLIC_BASE_URL).hostname);
  for (const origin of allowedOrigins(env)) {
    try {
      hosts.add(new URL(origin).hostname);
    } catch {
      // An unparsable entry allows nothing; the origin list itself still applies verbatim.
    }
  }
  return hosts;
}

export function requireTrustedOrigin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header("Origin");
    if (origin !== undefined && !allowedOrigins(c.env).has(origin.replace(/\/+$/, ""))) {
      throw new AppError("FORBIDDEN", `Origin ${JSON.stringify(origin)} is not allowed; add it to ALLOWED_ORIGINS.`);
    }
    const host = c.req.header("Host");
    if (host !== undefined && !allowedHostnames(c.env).has(hostnameOf(host))) {
      throw new AppError("FORBIDDEN", `Host ${JSON.stringify(host)} is not served here.`);
    }
    await next();
  };
}

function hostnameOf(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return "";
  }
}
