/**
 * Claims (advisory leases) in the coordinator's SQLite storage. Every method is synchronous and runs inside one
 * `transactionSync`, and a Durable Object runs one event at a time, so read-check-write is atomic: two agents can
 * never both miss each other (the original's duplicate exclusive holders, #129) and a released claim can never
 * reappear as a phantom conflict (#130).
 */
import { AppError } from "../shared/errors";
import {
  FORCE_RELEASE_INACTIVITY_SECONDS,
  MAX_PATTERN_LENGTH,
  MAX_PATTERNS_PER_CALL,
  MIN_CLAIM_TTL_SECONDS,
} from "./constants";
import { isVirtualPattern, normalizePattern, OverlapIndex, patternsOverlap } from "./glob-overlap";
import type {
  AgentRef,
  CheckResult,
  ClaimConflict,
  ClaimGrant,
  ClaimRecord,
  ClaimResult,
  ForceReleaseResult,
  ReleaseResult,
  RenewResult,
} from "./types";

interface ClaimRow extends Record<string, SqlStorageValue> {
  id: number;
  agent_id: number;
  agent_name: string;
  path_pattern: string;
  exclusive: number;
  reason: string;
  created_ts: string;
  expires_ts: string;
  released_ts: string | null;
  release_reason: string | null;
}

export interface ClaimSelector {
  paths?: string[];
  claim_ids?: number[];
}

/** What a mutation changed, so the caller can archive exactly those claims. */
export interface Changed<T> {
  result: T;
  changed: ClaimRecord[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export class ClaimsStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  /** Grants every pattern (leases are advisory) and reports the other agents' claims each one conflicts with. */
  claim(
    agent: AgentRef,
    rawPatterns: string[],
    opts: { ttlSeconds: number; exclusive: boolean; reason: string },
    now: number,
  ): Changed<ClaimResult> {
    const patterns = normalizePatterns(rawPatterns, "paths");
    return this.storage.transactionSync(() => {
      const expired = this.#expireDue(now);
      const nowIso = iso(now);
      const expires = iso(now + opts.ttlSeconds * 1000);
      // Only claims that can conflict: other agents', and of those only exclusive ones for a shared request.
      const others = new OverlapIndex(this.#activeOthers(agent.id, now, !opts.exclusive), (c) => c.path_pattern);
      const conflicts: ClaimConflict[] = [];
      const granted: ClaimGrant[] = [];
      const changed: ClaimRecord[] = [...expired];
      for (const pattern of patterns) {
        const holders = others.overlapping(pattern);
        if (holders.length > 0) {
          conflicts.push({
            path: pattern,
            holders: holders.map((c) => ({
              agent: c.agent_name,
              path_pattern: c.path_pattern,
              exclusive: c.exclusive === 1,
              expires_ts: c.expires_ts,
            })),
          });
        }
      }
      // One statement for every pattern (patterns are distinct): re-claiming one's own pattern updates that lease
      // in place, same id, the new request's terms. `WHERE true` lets SQLite parse the upsert after a SELECT.
      const rows = this.sql
        .exec<ClaimRow>(
          `INSERT INTO claims (agent_id, agent_name, path_pattern, exclusive, reason, created_ts, expires_ts)
           SELECT ?, ?, value, ?, ?, ?, ? FROM json_each(?) WHERE true
           ON CONFLICT (agent_id, path_pattern) WHERE released_ts IS NULL
           DO UPDATE SET exclusive = excluded.exclusive, reason = excluded.reason, expires_ts = excluded.expires_ts
           RETURNING *`,
          agent.id,
          agent.name,
          opts.exclusive ? 1 : 0,
          opts.reason,
          nowIso,
          expires,
          JSON.stringify(patterns),
        )
        .toArray();
      const byPattern = new Map(rows.map((row) => [row.path_pattern, row]));
      for (const pattern of patterns) {
        const row = byPattern.get(pattern)!;
        granted.push(toGrant(row));
        changed.push(toRecord(row));
      }
      this.#touch(agent, nowIso);
      return { result: { granted, conflicts }, changed };
    });
  }

  /** Releases the agent's own active claims (all of them when no selector is given). */
  release(agent: AgentRef, selector: ClaimSelector, now: number): Changed<ReleaseResult> {
    const filter = normalizeSelector(selector);
    return this.storage.transactionSync(() => {
      const expired = this.#expireDue(now);
      const nowIso = iso(now);
      const targets = this.#activeOf(agent.id, now).filter((c) => selects(c, filter));
      const changed = targets.map((c) => toRecord(this.#markReleased(c.id, nowIso, "released")));
      this.#touch(agent, nowIso);
      return { result: { released: changed.length, released_at: nowIso }, changed: [...expired, ...changed] };
    });
  }

  /** Extends the agent's own active claims by at least MIN_CLAIM_TTL_SECONDS; expired ones stay expired. */
  renew(agent: AgentRef, extendSeconds: number, selector: ClaimSelector, now: number): Changed<RenewResult> {
    const filter = normalizeSelector(selector);
    const bumpMs = Math.max(MIN_CLAIM_TTL_SECONDS, extendSeconds) * 1000;
    return this.storage.transactionSync(() => {
      const expired = this.#expireDue(now);
      const targets = this.#activeOf(agent.id, now).filter((c) => selects(c, filter));
      const claims: RenewResult["claims"] = [];
      const changed: ClaimRecord[] = [...expired];
      for (const c of targets) {
        const next = iso(Math.max(now, Date.parse(c.expires_ts)) + bumpMs);
        const row = this.sql
          .exec<ClaimRow>(`UPDATE claims SET expires_ts = ? WHERE id = ? RETURNING *`, next, c.id)
          .one();
        claims.push({ id: c.id, path_pattern: c.path_pattern, old_expires_ts: c.expires_ts, new_expires_ts: next });
        changed.push(toRecord(row));
      }
      this.#touch(agent, iso(now));
      return { result: { renewed: claims.length, claims }, changed };
    });
  }

  /** The holder of a claim, for callers that look up the holder's mail activity before force-releasing. */
  get(claimId: number): ClaimRecord | undefined {
    const row = this.sql.exec<ClaimRow>(`SELECT * FROM claims WHERE id = ?`, claimId).toArray()[0];
    return row ? toRecord(row) : undefined;
  }

  /**
   * Releases another agent's claim when that agent has been inactive for FORCE_RELEASE_INACTIVITY_SECONDS.
   * Activity is the later of its last claim operation here and `holderLastActiveTs` (its mail activity).
   */
  forceRelease(
    actor: AgentRef,
    claimId: number,
    holderLastActiveTs: string | undefined,
    now: number,
  ): Changed<ForceReleaseResult> {
    return this.storage.transactionSync(() => {
      const expired = this.#expireDue(now);
      const nowIso = iso(now);
      const row = this.sql.exec<ClaimRow>(`SELECT * FROM claims WHERE id = ?`, claimId).toArray()[0];
      if (!row) {
        throw new AppError("NOT_FOUND", `Claim ${claimId} not found; list claims with resource://claims/{slug}.`, {
          claim_id: claimId,
        });
      }
      if (row.released_ts !== null) {
        return {
          result: {
            released: 0,
            already_released: true,
            expired: row.release_reason === "expired",
            claim: toRecord(row),
          },
          changed: expired,
        };
      }
      const lastActivity = this.#lastActivity(row.agent_id, holderLastActiveTs);
      const inactiveSeconds = lastActivity === undefined ? Infinity : (now - Date.parse(lastActivity)) / 1000;
      if (row.agent_id !== actor.id && inactiveSeconds < FORCE_RELEASE_INACTIVITY_SECONDS) {
        throw new AppError(
          "RESERVATION_ACTIVE",
          `Claim ${claimId} is held by ${row.agent_name}, active ${Math.floor(inactiveSeconds)} s ago; it can be ` +
            `force-released after ${FORCE_RELEASE_INACTIVITY_SECONDS} s of inactivity. Message the holder instead.`,
          {
            claim_id: claimId,
            holder: row.agent_name,
            last_activity_ts: lastActivity ?? null,
            inactivity_required_seconds: FORCE_RELEASE_INACTIVITY_SECONDS,
          },
        );
      }
      const released = toRecord(this.#markReleased(row.id, nowIso, `force-released by ${actor.name}`));
      this.#touch(actor, nowIso);
      return {
        result: { released: 1, released_at: nowIso, already_released: false, expired: false, claim: released },
        changed: [...expired, released],
      };
    });
  }

  /** What the guard asks: other agents' active exclusive claims that cover any of these paths. Read-only. */
  check(agent: AgentRef, rawPaths: string[], now: number): CheckResult {
    const paths = normalizePatterns(rawPaths, "paths");
    const others = new OverlapIndex(this.#activeOthers(agent.id, now, true), (c) => c.path_pattern);
    const conflicts: CheckResult["conflicts"] = [];
    for (const path of paths) {
      for (const c of others.overlapping(path)) {
        conflicts.push({
          path,
          pattern: c.path_pattern,
          holder: c.agent_name,
          claim_id: c.id,
          exclusive: true,
          expires_ts: c.expires_ts,
        });
      }
    }
    // A named committer checking is activity (it delays force release of its claims); an unknown name is not.
    if (agent.id > 0) this.#touch(agent, iso(now));
    return { conflicts, blocking: conflicts.length > 0 };
  }

  list(activeOnly: boolean, now: number): ClaimRecord[] {
    const rows = activeOnly
      ? this.#active(now)
      : this.sql.exec<ClaimRow>(`SELECT * FROM claims ORDER BY id DESC LIMIT 1000`).toArray();
    return rows.map(toRecord);
  }

  /** A pattern's claims for its archive file: the live ones and the named ones (just released or expired). */
  forArchive(pattern: string, claimIds: number[], now: number): ClaimRecord[] {
    return this.sql
      .exec<ClaimRow>(
        `SELECT * FROM claims WHERE path_pattern = ?
           AND ((released_ts IS NULL AND expires_ts > ?) OR id IN (SELECT value FROM json_each(?)))
         ORDER BY id`,
        pattern,
        iso(now),
        JSON.stringify(claimIds),
      )
      .toArray()
      .map(toRecord);
  }

  /** Whether two agents hold active claims (any exclusivity) that can match a common path. */
  overlap(agentA: number, agentB: number, now: number): boolean {
    const active = this.#active(now);
    const mine = active.filter((c) => c.agent_id === agentA);
    const theirs = active.filter((c) => c.agent_id === agentB);
    return mine.some((a) => theirs.some((b) => patternsOverlap(a.path_pattern, b.path_pattern)));
  }

  /** Which of `candidates` hold a live claim overlapping one of `agent`'s live claims. */
  overlappingHolders(agent: number, candidates: number[], now: number): number[] {
    const active = this.#active(now);
    const mine = active.filter((c) => c.agent_id === agent);
    const wanted = new Set(candidates);
    const hits = new Set<number>();
    for (const c of active) {
      if (hits.has(c.agent_id) || !wanted.has(c.agent_id) || c.agent_id === agent) continue;
      if (mine.some((m) => patternsOverlap(m.path_pattern, c.path_pattern))) hits.add(c.agent_id);
    }
    return [...hits];
  }

  /** Records leases whose time is up as released ("expired"); returns them for the archive. */
  expireDue(now: number): ClaimRecord[] {
    return this.storage.transactionSync(() => this.#expireDue(now));
  }

  /** Epoch ms of the earliest live lease's expiry, for the alarm. */
  nextExpiry(): number | undefined {
    const row = this.sql
      .exec<{ next: string | null }>(`SELECT MIN(expires_ts) AS next FROM claims WHERE released_ts IS NULL`)
      .one();
    return row.next === null ? undefined : Date.parse(row.next);
  }

  #active(now: number): ClaimRow[] {
    return this.sql
      .exec<ClaimRow>(`SELECT * FROM claims WHERE released_ts IS NULL AND expires_ts > ? ORDER BY id`, iso(now))
      .toArray();
  }

  #activeOf(agentId: number, now: number): ClaimRow[] {
    return this.sql
      .exec<ClaimRow>(`SELECT * FROM claims WHERE released_ts IS NULL AND expires_ts > ? AND agent_id = ? ORDER BY id`, iso(now), agentId)
      .toArray();
  }

  #activeOthers(agentId: number, now: number, exclusiveOnly: boolean): ClaimRow[] {
    return this.sql
      .exec<ClaimRow>(
        `SELECT * FROM claims WHERE released_ts IS NULL AND expires_ts > ? AND agent_id <> ? AND exclusive >= ? ORDER BY id`,
        iso(now),
        agentId,
        exclusiveOnly ? 1 : 0,
      )
      .toArray();
  }

  #expireDue(now: number): ClaimRecord[] {
    return this.sql
      .exec<ClaimRow>(
        `UPDATE claims SET released_ts = expires_ts, release_reason = 'expired'
         WHERE released_ts IS NULL AND expires_ts <= ? RETURNING *`,
        iso(now),
      )
      .toArray()
      .map(toRecord);
  }

  #markReleased(id: number, at: string, reason: string): ClaimRow {
    return this.sql
      .exec<ClaimRow>(`UPDATE claims SET released_ts = ?, release_reason = ? WHERE id = ? RETURNING *`, at, reason, id)
      .one();
  }

  #touch(agent: AgentRef, at: string): void {
    this.sql.exec(
      `INSERT INTO agent_activity (agent_id, agent_name, last_ts) VALUES (?, ?, ?)
       ON CONFLICT (agent_id) DO UPDATE SET agent_name = excluded.agent_name, last_ts = MAX(last_ts, excluded.last_ts)`,
      agent.id,
      agent.name,
      at,
    );
  }

  #lastActivity(agentId: number, external: string | undefined): string | undefined {
    const row = this.sql
      .exec<{ last_ts: string }>(`SELECT last_ts FROM agent_activity WHERE agent_id = ?`, agentId)
      .toArray()[0];
    const candidates = [row?.last_ts, external].filter((t): t is string => typeof t === "string");
    return candidates.sort().at(-1);
  }
}

function normalizePatterns(raw: string[], field: string): string[] {
  if (raw.length === 0) {
    throw new AppError("EMPTY_PATHS", `${field} is empty; pass at least one path or glob, e.g. ["src/**"].`);
  }
  if (raw.length > MAX_PATTERNS_PER_CALL) {
    throw new AppError("INVALID_ARGUMENT", `At most ${MAX_PATTERNS_PER_CALL} ${field} per call; split the call.`, {
      field,
    });
  }
  const out: string[] = [];
  for (const item of raw) {
    const pattern = normalizePattern(item);
    if (pattern === "" || (isVirtualPattern(pattern) && pattern.endsWith("://"))) {
      throw new AppError("INVALID_ARGUMENT", `${field} contains an empty pattern; remove it or name a path.`, {
        field,
      });
    }
    if (pattern.length > MAX_PATTERN_LENGTH) {
      throw new AppError("INVALID_ARGUMENT", `Pattern longer than ${MAX_PATTERN_LENGTH} characters; claim a directory glob instead.`, {
        field,
      });
    }
    if (!out.includes(pattern)) out.push(pattern);
  }
  return out;
}

function normalizeSelector(selector: ClaimSelector): { paths?: Set<string>; ids?: Set<number> } {
  if (selector.paths !== undefined && selector.paths.length === 0) {
    throw new AppError("EMPTY_PATHS", "paths is an empty list; omit it to select all your claims, or name patterns.");
  }
  if (selector.claim_ids !== undefined && selector.claim_ids.length === 0) {
    throw new AppError("EMPTY_IDS", "claim_ids is an empty list; omit it to select all your claims, or pass ids.");
  }
  return {
    paths: selector.paths ? new Set(selector.paths.map(normalizePattern)) : undefined,
    ids: selector.claim_ids ? new Set(selector.claim_ids) : undefined,
  };
}

function selects(c: ClaimRow, filter: { paths?: Set<string>; ids?: Set<number> }): boolean {
  if (filter.paths && !filter.paths.has(c.path_pattern)) return false;
  if (filter.ids && !filter.ids.has(c.id)) return false;
  return true;
}

function toGrant(row: ClaimRow): ClaimGrant {
  return {
    id: row.id,
    path_pattern: row.path_pattern,
    exclusive: row.exclusive === 1,
    reason: row.reason,
    expires_ts: row.expires_ts,
  };
}

function toRecord(row: ClaimRow): ClaimRecord {
  return {
    ...toGrant(row),
    agent: row.agent_name,
    agent_id: row.agent_id,
    created_ts: row.created_ts,
    released_ts: row.released_ts,
    release_reason: row.release_reason,
  };
}
