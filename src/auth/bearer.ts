/**
 * Authenticates requests: the deployment's static token (constant-time compare against PIGEONHOLE_TOKEN,
 * full writer rights), a JWT (see jwt.ts), or an agent's registration token, which binds the connection to
 * that agent (see mcp/agent-binding.ts); as a bearer, or, for clients that cannot send one (git over HTTP),
 * as the password of a Basic header. On /mcp, OAuth tokens are checked first by the provider (oauth.ts),
 * which hands every other bearer to `authenticate`.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { createDb } from "../db";
import { findAgentByToken } from "../mail";
import { timingSafeEqualSecret } from "../shared/crypto";
import { AppError } from "../shared/errors";
import { jwtConfigured, looksLikeJwt, verifyJwt } from "./jwt";
import type { Principal } from "./principal";

export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
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

export async function authenticate(env: Env, presented: string | undefined): Promise<Principal> {
  if (presented === undefined) {
    throw new AppError("AUTHENTICATION_REQUIRED", "Missing Authorization header; send 'Authorization: Bearer <token>'.");
  }
  // An unset or empty secret must never authenticate anything.
  if (env.PIGEONHOLE_TOKEN && (await timingSafeEqualSecret(presented, env.PIGEONHOLE_TOKEN))) {
    return { kind: "static", id: "static", role: "writer" };
  }
  if (jwtConfigured(env) && looksLikeJwt(presented)) return verifyJwt(env, presented);
  const agent = await findAgentByToken(createDb(env.DB), presented);
  // Agents act: they send, claim and acknowledge, so their own credential is a writer's.
  if (agent) return { kind: "agent", id: `agent:${agent.agentId}`, role: "writer", agent };
  throw new AppError("AUTHENTICATION_REQUIRED", "Invalid bearer token.");
}

function requireCredential(
  credentialOf: (header: string | undefined) => string | undefined,
  challenge: string,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    try {
      c.set("principal", await authenticate(c.env, credentialOf(c.req.header("Authorization"))));
    } catch (err) {
      c.header("WWW-Authenticate", challenge);
      throw err;
    }
    await next();
  };
}

export function requireBearer(): MiddlewareHandler<AppEnv> {
  return requireCredential(bearerTokenOf, 'Bearer realm="pigeonhole"');
}

/**
 * For git's HTTP client: `Authorization: Bearer <token>` (via `http.extraHeader`) or Basic with the token as the
 * password (`https://git:<token>@host/...`). The Basic challenge on 401 is what makes git send the credentials
 * from the URL or a credential helper.
 */
export function requireBearerOrBasic(): MiddlewareHandler<AppEnv> {
  return requireCredential(
    (header) => bearerTokenOf(header) ?? basicPasswordOf(header),
    'Basic realm="pigeonhole archive", charset="UTF-8"',
  );
}
