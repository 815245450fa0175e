/** Shapes that cross the coordinator's RPC boundary (structured-clone safe: plain data only). */

/** An authenticated agent, as resolved by the mail context. */
export interface AgentRef {
  id: number;
  name: string;
}

export interface ClaimGrant {
  id: number;
  path_pattern: string;
  exclusive: boolean;
  reason: string;
  expires_ts: string;
}

export interface ClaimRecord extends ClaimGrant {
  agent: string;
  agent_id: number;
  created_ts: string;
  released_ts: string | null;
  /** "released", "expired" or "force-released by <agent>". */
  release_reason: string | null;
}

export interface ClaimConflict {
  path: string;
  holders: Array<{ agent: string; path_pattern: string; exclusive: boolean; expires_ts: string }>;
}

export interface ClaimResult {
  granted: ClaimGrant[];
  conflicts: ClaimConflict[];
}

export interface ReleaseResult {
  released: number;
  released_at: string;
}

export interface RenewResult {
  renewed: number;
  claims: Array<{ id: number; path_pattern: string; old_expires_ts: string; new_expires_ts: string }>;
}

export interface ForceReleaseResult {
  released: 0 | 1;
  released_at?: string;
  already_released: boolean;
  expired: boolean;
  claim: ClaimRecord;
}

export interface CheckResult {
  conflicts: Array<{
    path: string;
    pattern: string;
    holder: string;
    claim_id: number;
    exclusive: boolean;
    expires_ts: string;
  }>;
  blocking: boolean;
}

/** A service error carried across RPC as data (custom Error fields do not survive the boundary). */
export interface RpcFailure {
  error: { type: string; message: string; details?: Record<string, unknown> };
}

export type RpcResult<T> = { ok: T } | RpcFailure;
