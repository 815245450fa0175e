/**
 * Claim storms while the project's coordinator restarts. Agents claim, re-claim, renew and release
 * overlapping patterns concurrently; at scheduled points of the storm every Durable Object is
 * aborted (a crash: in-flight calls fail, memory is lost, storage survives) or evicted (a graceful
 * restart). Clients retry a failed call, as an agent would. Afterwards the coordinator must hold
 * exactly what the acknowledged calls say: every granted claim once, nothing released come back,
 * no duplicate live rows. `SOAK=1` runs the long storm.
 */
import { abortAllDurableObjects, env, evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { claimPaths, coordinatorFor, listClaims, releaseClaims, renewClaims, type ClaimRecord } from "../../src/coordinator";
import { prng, soakMode } from "../support/soak";

const SOAK = soakMode();
const AGENTS = SOAK ? 40 : 12;
const OPS_PER_AGENT = SOAK ? 100 : 25;
const RESTARTS = SOAK ? 20 : 5;
/** Attempts per call before the client gives up (a restart fails the calls in flight, not the next ones). */
const MAX_ATTEMPTS = 8;
const PATTERNS = ["src/**", "src/app.ts", "src/lib/*.ts", "docs/**", "docs/guide.md", "assets/*.png", "tool://deploy", "README.md"];

async function withRetry<T>(call: () => Promise<T>, stats: { failedCalls: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      stats.failedCalls++;
      if (attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

describe(`claims under coordinator restarts (${AGENTS} agents × ${OPS_PER_AGENT} operations, ${RESTARTS} restarts)`, () => {
  it("keeps every acknowledged claim exactly once and no released one, across crashes and evictions mid-storm", { timeout: SOAK ? 1_800_000 : 120_000 }, async () => {
    const seed = Date.now() % 1_000_000;
    const rand = prng(seed);
    const project = { slug: `fault-claims-${crypto.randomUUID()}` };
    const totalOps = AGENTS * OPS_PER_AGENT;
    const restartAt = new Set<number>();
    while (restartAt.size < RESTARTS) restartAt.add(1 + Math.floor(rand() * (totalOps - 1)));
    const stats = { failedCalls: 0, restarts: 0, aborts: 0, evictions: 0, grants: 0, releases: 0, renewals: 0 };
    /** The model: what each agent's acknowledged calls say it holds, pattern → claim id. */
    const held = new Map<number, Map<string, number>>();
    const restarts: Array<Promise<void>> = [];
    let started = 0;

    const agentLoop = async (agentId: number) => {
      const me = { id: agentId, name: `Storm${agentId}` };
      const mine = new Map<string, number>();
      held.set(agentId, mine);
      for (let op = 0; op < OPS_PER_AGENT; op++) {
        const n = ++started;
        if (restartAt.has(n)) {
          // Fired, not awaited: the calls in flight right now are the ones that must survive it.
          const crash = rand() < 0.5;
          stats.restarts++;
          crash ? stats.aborts++ : stats.evictions++;
          restarts.push(crash ? abortAllDurableObjects() : evictAllDurableObjects());
        }
        const roll = rand();
        const patterns = PATTERNS.filter(() => rand() < 0.3);
        if (patterns.length === 0) patterns.push(PATTERNS[Math.floor(rand() * PATTERNS.length)]!);
        if (roll < 0.6) {
          const result = await withRetry(() => claimPaths(env, project, me, patterns, { exclusive: rand() < 0.5, ttl_seconds: 3600 }), stats);
          for (const grant of result.granted) {
            // A retried re-claim updates the same row: the id never changes while the claim is held.
            if (mine.has(grant.path_pattern)) expect(grant.id).toBe(mine.get(grant.path_pattern));
            mine.set(grant.path_pattern, grant.id);
            stats.grants++;
          }
        } else if (roll < 0.85) {
          await withRetry(() => releaseClaims(env, project, me, { paths: patterns }), stats);
          for (const p of patterns) mine.delete(p);
          stats.releases++;
        } else if (mine.size > 0) {
          await withRetry(() => renewClaims(env, project, me, 60), stats);
          stats.renewals++;
        }
      }
    };
    await Promise.all(Array.from({ length: AGENTS }, (_, i) => agentLoop(1000 + i)));
    await Promise.all(restarts);

    const live = await listClaims(env, project, true);
    const dupes = await runInDurableObject(coordinatorFor(env, project), (_o, state) =>
      state.storage.sql
        .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM claims WHERE released_ts IS NULL GROUP BY agent_id, path_pattern HAVING COUNT(*) > 1)`)
        .one().n,
    );
    const expected = [...held].flatMap(([agentId, mine]) => [...mine].map(([pattern, id]) => ({ agentId, pattern, id })));
    const byId = new Map<number, ClaimRecord>(live.map((c) => [c.id, c]));
    const lost = expected.filter((e) => byId.get(e.id)?.agent_id !== e.agentId || byId.get(e.id)?.path_pattern !== e.pattern);
    const phantoms = live.filter((c) => held.get(c.agent_id)?.get(c.path_pattern) !== c.id);
    console.log(JSON.stringify({ figure: "claims-restarts", seed, agents: AGENTS, operations: totalOps, ...stats, live: live.length, lost: lost.length, phantoms: phantoms.length, duplicate_live_rows: dupes }));

    expect(stats.restarts).toBe(RESTARTS);
    expect(lost, `seed ${seed}`).toEqual([]);
    expect(phantoms, `seed ${seed}`).toEqual([]);
    expect(dupes).toBe(0);
    expect(live).toHaveLength(expected.length);
  });
});
