/**
 * Agent-bound bearers: finds the agent whose registration token was presented as the HTTP bearer, by its
 * SHA-256 (the only form stored; `agents.token_hash` is unique, so this is one indexed lookup).
 */
import { eq } from "drizzle-orm";
import { agents, projects, type Db } from "../db";
import { sha256Hex } from "../shared/crypto";

export interface TokenAgent {
  projectId: number;
  projectSlug: string;
  projectHumanKey: string;
  agentId: number;
  name: string;
}

/** Registration tokens are 32 random bytes in base64url; anything else cannot be one, so skip the query. */
const REGISTRATION_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export async function findAgentByToken(db: Db, token: string): Promise<TokenAgent | undefined> {
  if (!REGISTRATION_TOKEN_SHAPE.test(token)) return undefined;
  const [hit] = await db
    .select({
      projectId: projects.id,
      projectSlug: projects.slug,
      projectHumanKey: projects.humanKey,
      agentId: agents.id,
      name: agents.name,
    })
    .from(agents)
    .innerJoin(projects, eq(agents.projectId, projects.id))
    .where(eq(agents.tokenHash, await sha256Hex(token)))
    .limit(1);
  return hit;
}
