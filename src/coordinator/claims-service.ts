/**
 * Worker-side claims services: each call goes to the project's coordinator, which decides atomically. The caller
 * (an MCP tool) has already authenticated the acting agent; these functions only route and unwrap.
 */
import { AppError, type ErrorType } from "../shared/errors";
import type { AgentRef, CheckResult, ClaimRecord, ClaimResult, ForceReleaseResult, ReleaseResult, RenewResult, RpcResult } from "./types";

export interface ProjectRef {
  slug: string;
}

/** The coordinator of a project; one object per slug. */
export function coordinatorFor(env: Env, project: ProjectRef) {
  return env.PROJECT_COORDINATOR.get(env.PROJECT_COORDINATOR.idFromName(project.slug));
}

/** Rethrows a coordinator failure (carried as data across RPC) as the AppError it was. */
export function unwrap<T>(result: RpcResult<T>): T {
  if ("ok" in result) return result.ok;
  throw new AppError(result.error.type as ErrorType, result.error.message, result.error.details);
}

export interface ClaimOptions {
  ttl_seconds?: number;
  exclusive?: boolean;
  reason?: string;
}

export async function claimPaths(env: Env, project: ProjectRef, agent: AgentRef, paths: string[], options: ClaimOptions = {}): Promise<ClaimResult> {
  const result = await coordinatorFor(env, project).claim({ slug: project.slug, agent, paths, ...options });
  return unwrap(result as RpcResult<ClaimResult>);
}

export interface ClaimFilter {
  paths?: string[];
  claim_ids?: number[];
}

export async function releaseClaims(env: Env, project: ProjectRef, agent: AgentRef, filter: ClaimFilter = {}): Promise<ReleaseResult> {
  const result = await coordinatorFor(env, project).release({ slug: project.slug, agent, ...filter });
  return unwrap(result as RpcResult<ReleaseResult>);
}

export async function renewClaims(env: Env, project: ProjectRef, agent: AgentRef, extendSeconds: number, filter: ClaimFilter = {}): Promise<RenewResult> {
  const result = await coordinatorFor(env, project).renew({ slug: project.slug, agent, extend_seconds: extendSeconds, ...filter });
  return unwrap(result as RpcResult<RenewResult>);
}

/**
 * Force-releases a claim of an inactive holder. `holderLastActive` looks up the holder's mail activity (D1);
 * the coordinator combines it with the holder's claim activity and decides.
 */
export async function forceReleaseClaim(
  env: Env,
  project: ProjectRef,
  agent: AgentRef,
  claimId: number,
  holderLastActive: (holder: { id: number; name: string }) => Promise<string | undefined>,
): Promise<ForceReleaseResult> {
  const stub = coordinatorFor(env, project);
  const claim = (await stub.getClaim(claimId)) as ClaimRecord | null;
  if (!claim) {
    throw new AppError("NOT_FOUND", `Claim ${claimId} not found; list claims with resource://claims/{slug}.`, { claim_id: claimId });
  }
  const lastActive = await holderLastActive({ id: claim.agent_id, name: claim.agent });
  const result = await stub.forceRelease({ slug: project.slug, agent, claim_id: claimId, holder_last_active_ts: lastActive });
  return unwrap(result as RpcResult<ForceReleaseResult>);
}

export async function checkClaims(env: Env, project: ProjectRef, agent: AgentRef, paths: string[]): Promise<CheckResult> {
  const result = await coordinatorFor(env, project).check({ agent, paths });
  return unwrap(result as RpcResult<CheckResult>);
}

export async function listClaims(env: Env, project: ProjectRef, activeOnly = true): Promise<ClaimRecord[]> {
  return (await coordinatorFor(env, project).list(activeOnly)) as ClaimRecord[];
}

/** The contact heuristic's question: do these two agents hold overlapping active claims (any exclusivity)? */
export async function activeClaimsOverlap(env: Env, project: ProjectRef, agentA: AgentRef, agentB: AgentRef): Promise<boolean> {
  return coordinatorFor(env, project).claimsOverlap(agentA.id, agentB.id);
}
