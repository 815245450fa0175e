/**
 * Authenticates /mcp requests: the deployment's static token (constant-time compare against
 * PIGEONHOLE_TOKEN, full writer rights), a JWT (see jwt.ts), or an agent's registration token, which binds
 * the connection to that agent (see mcp/agent-binding.ts). OAuth tokens are checked first by the provider
 * (oauth.ts), which hands every other bearer to `authenticate`.
 */
import { createDb } from "../db";
import { findAgentByToken } from "../mail";
import { timingSafeEqualStrings } from "../shared/crypto";
import { AppError } from "../shared/errors";
import { jwtConfigured, looksLikeJwt, verifyJwt } from "./jwt";
import type { Principal } from "./principal";

export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

export async function authenticate(env: Env, presented: string | undefined): Promise<Principal> {
  if (presented === undefined) {
    throw new AppError("AUTHENTICATION_REQUIRED", "Missing Authorization header; send 'Authorization: Bearer <token>'.");
  }
  // An unset or empty secret must never authenticate anything.
  if (env.PIGEONHOLE_TOKEN && (await timingSafeEqualStrings(presented, env.PIGEONHOLE_TOKEN))) {
    return { kind: "static", id: "static", role: "writer" };
  }
  if (jwtConfigured(env) && looksLikeJwt(presented)) return verifyJwt(env, presented);
  const agent = await findAgentByToken(createDb(env.DB), presented);
  // Agents act: they send, claim and acknowledge, so their own credential is a writer's.
  if (agent) return { kind: "agent", id: `agent:${agent.agentId}`, role: "writer", agent };
  throw new AppError("AUTHENTICATION_REQUIRED", "Invalid bearer token.");
}
