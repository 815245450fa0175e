/** Claims in the ProjectCoordinator: overlap matrix, leases, expiry alarms, force release, concurrency. */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  activeClaimsOverlap,
  checkClaims,
  claimPaths,
  coordinatorFor,
  forceReleaseClaim,
  listClaims,
  releaseClaims,
  renewClaims,
} from "../../src/coordinator";
import { AppError } from "../../src/shared/errors";

let counter = 0;
const newProject = () => ({ slug: `claims-test-${Date.now()}-${++counter}` });
const agent = (id: number, name = `Agent${id}`) => ({ id, name });
const alice = agent(1, "GreenCastle");
const bob = agent(2, "BlueLake");

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** Runs SQL inside the project's coordinator (to backdate leases instead of sleeping). */
async function sql<T extends Record<string, SqlStorageValue>>(project: { slug: string }, query: string, ...args: SqlStorageValue[]): Promise<T[]> {
  return runInDurableObject(coordinatorFor(env, project), (_instance, state) =>
    state.storage.sql.exec<T>(query, ...args).toArray(),
  );
}

describe("claim_paths overlap matrix", () => {
  it.each([
    // existing, existing exclusive, requested, requested exclusive, conflict expected
    ["src/**", true, "src/app.py", true, true],
    ["src/app.py", true, "src/**", true, true],
    ["src/**", true, "src/app.py", false, true],
    ["src/**", false, "src/app.py", true, true],
    ["src/**", false, "src/app.py", false, false],
    ["assets/*.png", true, "assets/logo.png", true, true],
    ["assets/logo.png", true, "assets/*.png", false, true],
    ["assets/*.png", true, "assets/logo.jpg", true, false],
    ["*.png", true, "*.jpg", true, false],
    ["docs/**", true, "src/**", true, false],
    ["/src/main.ts", true, "src/main.ts", true, true],
    ["src/main.ts", true, "/src/*.ts", true, true],
    ["src/a/*.py", true, "src/*/b.py", true, true],
    ["src", true, "src/deep/file.ts", true, true],
    ["tool://deploy", true, "tool://deploy", true, true],
    ["tool://deploy", true, "tool://*", true, false],
    ["service://db", true, "**", true, false],
  ] as const)("%s (exclusive %s) vs %s (exclusive %s) → conflict %s", async (existing, exEx, requested, reqEx, conflict) => {
    const project = newProject();
    await claimPaths(env, project, alice, [existing], { exclusive: exEx });
    const result = await claimPaths(env, project, bob, [requested], { exclusive: reqEx });
    expect(result.granted).toHaveLength(1);
    expect(result.conflicts.length > 0).toBe(conflict);
    if (conflict) {
      expect(result.conflicts[0]!.holders[0]).toMatchObject({ agent: alice.name, exclusive: exEx });
    }
  });

  it("never reports the caller's own claims as conflicts", async () => {
    const project = newProject();
    await claimPaths(env, project, alice, ["src/**"]);
    const result = await claimPaths(env, project, alice, ["src/app.ts"]);
    expect(result.conflicts).toEqual([]);
  });

  it("stores the pattern without its leading slash", async () => {
    const project = newProject();
    const result = await claimPaths(env, project, alice, ["/src/main.ts"]);
    expect(result.granted[0]!.path_pattern).toBe("src/main.ts");
  });

  it("rejects an empty path list with EMPTY_PATHS", async () => {
    expect((await errorOf(claimPaths(env, newProject(), alice, []))).type).toBe("EMPTY_PATHS");
  });
});

describe("re-claiming and renewing", () => {
  it("updates one's own claim in place: same id, new terms, no duplicate row", async () => {
    const project = newProject();
    const first = await claimPaths(env, project, alice, ["src/**"], { exclusive: true, reason: "first" });
    const again = await claimPaths(env, project, alice, ["/src/**"], { exclusive: false, reason: "second", ttl_seconds: 600 });
    expect(again.granted[0]).toMatchObject({ id: first.granted[0]!.id, exclusive: false, reason: "second" });
    const rows = await sql<{ n: number }>(project, `SELECT COUNT(*) AS n FROM claims`);
    expect(rows[0]!.n).toBe(1);
  });

  it("bumps a renewal by at least 60 seconds", async () => {
    const project = newProject();
    const { granted } = await claimPaths(env, project, alice, ["lib/**"]);
    const renewed = await renewClaims(env, project, alice, 1);
    expect(renewed.renewed).toBe(1);
    const { old_expires_ts, new_expires_ts } = renewed.claims[0]!;
    expect(old_expires_ts).toBe(granted[0]!.expires_ts);
    expect(Date.parse(new_expires_ts) - Date.parse(old_expires_ts)).toBe(60_000);
  });

  it("does not revive an expired claim", async () => {
    const project = newProject();
    const { granted } = await claimPaths(env, project, alice, ["lib/**"]);
    await sql(project, `UPDATE claims SET expires_ts = ? WHERE id = ?`, new Date(Date.now() - 1000).toISOString(), granted[0]!.id);
    const renewed = await renewClaims(env, project, alice, 3600);
    expect(renewed).toEqual({ renewed: 0, claims: [] });
    const all = await listClaims(env, project, false);
    expect(all[0]).toMatchObject({ id: granted[0]!.id, release_reason: "expired" });
  });

  it("renews only the selected claims and rejects empty selectors", async () => {
    const project = newProject();
    const { granted } = await claimPaths(env, project, alice, ["a/**", "b/**"]);
    const renewed = await renewClaims(env, project, alice, 120, { claim_ids: [granted[1]!.id] });
    expect(renewed.claims.map((c) => c.path_pattern)).toEqual(["b/**"]);
    expect((await errorOf(renewClaims(env, project, alice, 120, { claim_ids: [] }))).type).toBe("EMPTY_IDS");
    expect((await errorOf(renewClaims(env, project, alice, 120, { paths: [] }))).type).toBe("EMPTY_PATHS");
  });
});

describe("release_claims", () => {
  it("releases only the caller's claims and then no longer conflicts", async () => {
    const project = newProject();
    await claimPaths(env, project, alice, ["src/**"]);
    await claimPaths(env, project, bob, ["docs/**"]);
    const released = await releaseClaims(env, project, alice);
    expect(released.released).toBe(1);
    const after = await claimPaths(env, project, bob, ["src/app.ts"]);
    expect(after.conflicts).toEqual([]);
    expect((await listClaims(env, project)).map((c) => c.agent)).toEqual([bob.name, bob.name]);
  });

  it("filters by paths (normalised) and rejects an empty list with EMPTY_PATHS", async () => {
    const project = newProject();
    await claimPaths(env, project, alice, ["src/**", "docs/**"]);
    expect((await releaseClaims(env, project, alice, { paths: ["/docs/**"] })).released).toBe(1);
    expect((await errorOf(releaseClaims(env, project, alice, { paths: [] }))).type).toBe("EMPTY_PATHS");
  });
});

describe("expiry", () => {
  it("the alarm at the earliest expiry releases the lease and records it as expired", async () => {
    const project = newProject();
    const { granted } = await claimPaths(env, project, alice, ["src/**"], { ttl_seconds: 60 });
    const stub = coordinatorFor(env, project);
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.parse(granted[0]!.expires_ts));
    await sql(project, `UPDATE claims SET expires_ts = ?`, new Date(Date.now() - 1000).toISOString());
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await listClaims(env, project)).toEqual([]);
    const [row] = await sql<{ released_ts: string | null; release_reason: string }>(project, `SELECT released_ts, release_reason FROM claims`);
    expect(row).toMatchObject({ release_reason: "expired" });
    expect(row!.released_ts).not.toBeNull();
    expect((await claimPaths(env, project, bob, ["src/x.ts"])).conflicts).toEqual([]);
  });
});

describe("force_release_claim", () => {
  const lastActive = (ts?: string) => async () => ts;

  it("refuses while the holder is active, with RESERVATION_ACTIVE", async () => {
    const project = newProject();
    const { granted } = await claimPaths(env, project, alice, ["src/**"]);
    const error = await errorOf(forceReleaseClaim(env, project, bob, granted[0]!.id, lastActive()));
    expect(error.type).toBe("RESERVATION_ACTIVE");
    expect(error.details).toMatchObject({ holder: alice.name });
  });

  it("refuses when the holder's mail activity is recent even if its claim activity is old", async () => {
    const project = newProject();
    const { granted } = await claimPaths(env, project, alice, ["src/**"]);
    await sql(project, `UPDATE agent_activity SET last_ts = '2020-01-01T00:00:00.000Z'`);
    const error = await errorOf(forceReleaseClaim(env, project, bob, granted[0]!.id, lastActive(new Date().toISOString())));
    expect(error.type).toBe("RESERVATION_ACTIVE");
  });

  it("releases an inactive holder's claim, then reports it as already released", async () => {
    const project = newProject();
    const { granted } = await claimPaths(env, project, alice, ["src/**"]);
    await sql(project, `UPDATE agent_activity SET last_ts = '2020-01-01T00:00:00.000Z'`);
    const released = await forceReleaseClaim(env, project, bob, granted[0]!.id, lastActive("2020-01-02T00:00:00.000Z"));
    expect(released).toMatchObject({ released: 1, already_released: false });
    expect(released.claim.release_reason).toBe(`force-released by ${bob.name}`);
    const again = await forceReleaseClaim(env, project, bob, granted[0]!.id, lastActive());
    expect(again).toMatchObject({ released: 0, already_released: true, expired: false });
  });

  it("fails an unknown claim id with NOT_FOUND", async () => {
    expect((await errorOf(forceReleaseClaim(env, newProject(), bob, 999, lastActive()))).type).toBe("NOT_FOUND");
  });
});

describe("check_claims", () => {
  it("reports other agents' exclusive claims on staged paths as blocking, ignoring shared and own ones", async () => {
    const project = newProject();
    await claimPaths(env, project, alice, ["src/**"]);
    await claimPaths(env, project, bob, ["docs/**"], { exclusive: false });
    const carol = agent(3, "RedFox");
    await claimPaths(env, project, carol, ["README.md"]);
    const result = await checkClaims(env, project, carol, ["src/app.ts", "docs/x.md", "README.md"]);
    expect(result.blocking).toBe(true);
    expect(result.conflicts).toEqual([
      expect.objectContaining({ path: "src/app.ts", pattern: "src/**", holder: alice.name, exclusive: true }),
    ]);
    expect((await checkClaims(env, project, carol, ["lib/x.ts"])).blocking).toBe(false);
  });
});

describe("concurrency", () => {
  it("grants 20 simultaneous claims on one path; each later claimer sees all earlier holders; no duplicate rows", async () => {
    const project = newProject();
    const agents = Array.from({ length: 20 }, (_, i) => agent(100 + i));
    const results = await Promise.all(agents.map((a) => claimPaths(env, project, a, ["src/shared.ts"])));
    expect(results.every((r) => r.granted.length === 1)).toBe(true);
    const byId = results
      .map((r, i) => ({ id: r.granted[0]!.id, holders: r.conflicts[0]?.holders.map((h) => h.agent) ?? [], who: agents[i]!.name }))
      .sort((a, b) => a.id - b.id);
    byId.forEach((entry, order) => {
      expect(entry.holders).toHaveLength(order);
      expect(entry.holders).toEqual(byId.slice(0, order).map((e) => e.who));
    });
    const rows = await sql<{ n: number; distinct_agents: number }>(
      project,
      `SELECT COUNT(*) AS n, COUNT(DISTINCT agent_id) AS distinct_agents FROM claims`,
    );
    expect(rows[0]).toEqual({ n: 20, distinct_agents: 20 });
  });
});

describe("activeClaimsOverlap", () => {
  it("is true only while both agents hold overlapping live claims", async () => {
    const project = newProject();
    await claimPaths(env, project, alice, ["src/**"], { exclusive: false });
    await claimPaths(env, project, bob, ["src/api/*.ts"], { exclusive: false });
    expect(await activeClaimsOverlap(env, project, alice, bob)).toBe(true);
    expect(await activeClaimsOverlap(env, project, bob, alice)).toBe(true);
    await releaseClaims(env, project, bob);
    expect(await activeClaimsOverlap(env, project, alice, bob)).toBe(false);
  });
});
