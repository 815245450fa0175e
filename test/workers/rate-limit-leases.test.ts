/** Token leases: the isolate spends tokens leased from the real RateLimiter object, with a simulated clock. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LeaseCache } from "../../src/auth/lease-cache";
import type { BucketRequest, LeaseRequest } from "../../src/auth/rate-limiter";

/** A fresh credential's limiter object, counting the lease RPCs made to it. */
function limiter() {
  const owner = crypto.randomUUID();
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(owner));
  const counter = {
    owner,
    calls: 0,
    lease: (requests: LeaseRequest[]) => {
      counter.calls++;
      return stub.lease(requests);
    },
  };
  return counter;
}

const perMinute = (n: number, key = "*"): BucketRequest => ({ key, capacity: n, refillPerSecond: n / 60 });

function clock() {
  const time = { now: 1_000_000 };
  return { time, cache: new LeaseCache(() => time.now) };
}

describe("rate-limit leases", () => {
  it("admits exactly N calls of a tight limit, then refuses with a retry time", async () => {
    const { cache } = clock();
    const rl = limiter();
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await cache.take(rl.owner, [perMinute(4)], rl.lease));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, false, false]);
    expect(results[4]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(rl.calls).toBe(6);
  });

  it("serves a burst under a generous limit with far fewer object calls than requests", async () => {
    const { cache } = clock();
    const rl = limiter();
    const buckets = [perMinute(6000), perMinute(3000, "tool:health_check")];
    for (let i = 0; i < 120; i++) expect((await cache.take(rl.owner, buckets, rl.lease)).ok).toBe(true);
    // Leases of 25 credential tokens (5 in 120 requests) and 12 tool tokens (10), taken together once.
    expect(rl.calls).toBe(14);
  });

  it("shares one in-flight lease among concurrent requests", async () => {
    const { cache } = clock();
    const rl = limiter();
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.take(rl.owner, [perMinute(6000)], rl.lease)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(rl.calls).toBe(1);
  });

  it("answers concurrent requests over a tight limit exactly, sharing the refusal", async () => {
    const { cache } = clock();
    const rl = limiter();
    const results = await Promise.all(Array.from({ length: 6 }, () => cache.take(rl.owner, [perMinute(3)], rl.lease)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok).every((r) => r.retryAfterSeconds >= 1)).toBe(true);
    expect(rl.calls).toBe(4);
  });

  it("drops leased tokens left unspent after a second, and leases anew", async () => {
    const { time, cache } = clock();
    const rl = limiter();
    await cache.take(rl.owner, [perMinute(6000)], rl.lease);
    time.now += 999;
    await cache.take(rl.owner, [perMinute(6000)], rl.lease);
    expect(rl.calls).toBe(1);
    time.now += 1;
    await cache.take(rl.owner, [perMinute(6000)], rl.lease);
    expect(rl.calls).toBe(2);
  });

  it("keeps each credential's leases to itself", async () => {
    const { cache } = clock();
    const first = limiter();
    const second = limiter();
    expect((await cache.take(first.owner, [perMinute(6000)], first.lease)).ok).toBe(true);
    expect((await cache.take(second.owner, [perMinute(6000)], second.lease)).ok).toBe(true);
    expect([first.calls, second.calls]).toEqual([1, 1]);

    const third = limiter();
    const fourth = limiter();
    expect((await cache.take(third.owner, [perMinute(1)], third.lease)).ok).toBe(true);
    expect((await cache.take(third.owner, [perMinute(1)], third.lease)).ok).toBe(false);
    expect((await cache.take(fourth.owner, [perMinute(1)], fourth.lease)).ok).toBe(true);
  });

  it("stays bounded: past 10,000 held leases it drops them rather than grow", async () => {
    const { cache } = clock();
    // A stand-in limiter: 10,000 real objects would only slow the test down.
    let calls = 0;
    const lease = async (requests: LeaseRequest[]) => {
      calls++;
      return { ok: true, retryAfterSeconds: 0, granted: requests.map((r) => r.want) };
    };
    for (let i = 0; i < 10_000; i++) await cache.take(`owner-${i}`, [perMinute(6000)], lease);
    await cache.take("owner-0", [perMinute(6000)], lease);
    expect(calls).toBe(10_000);
    await cache.take("one-more", [perMinute(6000)], lease);
    await cache.take("owner-0", [perMinute(6000)], lease);
    expect(calls).toBe(10_002);
  });
});
