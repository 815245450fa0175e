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

let hostnamesMemo: { key: string; hosts: Set<string> } | undefined;

function allowedHostnames(env: Env): Set<string> {
  // Memoised on the two vars it derives from: tracking routes check Host on every hit.
  const key = `${env.PUBLIC_BASE_URL}\n${env.ALLOWED_ORIGINS}`;
  if (hostnamesMemo?.key === key) return hostnamesMemo.hosts;
  const hosts = new Set(LOOPBACK_HOSTNAMES);
  hosts.add(new URL(env.PUBLIC_BASE_URL).hostname);
  for (const origin of allowedOrigins(env)) {
    try {
      hosts.add(new URL(origin).hostname);
    } catch {
      // An unparsable entry allows nothing; the origin list itself still applies verbatim.
    }
  }
  hostnamesMemo = { key, hosts };
  return hosts;
}

/** True when a Host header names this deployment (PUBLIC_BASE_URL, an allowed origin, or loopback). */
export function isServedHost(env: Env, hostHeader: string | undefined): boolean {
  return hostHeader === undefined || allowedHostnames(env).has(hostnameOf(hostHeader));
}

/**
 * Host check alone, for public routes that any site may call cross-origin (tracking, RFC 8058
 * one-click unsubscribe): mail providers POST from their own origins, so Origin is not checked.
 */
export function requireServedHost(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const host = c.req.header("Host");
    if (!isServedHost(c.env, host)) throw new AppError("FORBIDDEN", `Host ${JSON.stringify(host)} is not served here.`);
    await next();
  };
}

export function requireTrustedOrigin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header("Origin");
    if (origin !== undefined && !allowedOrigins(c.env).has(origin.replace(/\/+$/, ""))) {
      throw new AppError("FORBIDDEN", `Origin ${JSON.stringify(origin)} is not allowed; add it to ALLOWED_ORIGINS.`);
    }
    const host = c.req.header("Host");
    if (!isServedHost(c.env, host)) throw new AppError("FORBIDDEN", `Host ${JSON.stringify(host)} is not served here.`);
    await next();
  };
}

/** The last Host header parsed: a deployment sees very few, and parsing a URL per request showed in profiles. */
let lastHost: { header: string; hostname: string } | undefined;

function hostnameOf(hostHeader: string): string {
  if (lastHost?.header === hostHeader) return lastHost.hostname;
  let hostname: string;
  try {
    hostname = new URL(`http://${hostHeader}`).hostname;
  } catch {
    hostname = "";
  }
  lastHost = { header: hostHeader, hostname };
  return hostname;
}
