/**
 * Token-bucket rate limits per credential and per (credential, tool), held by one Durable Object per
 * credential so that every isolate sees the same buckets. /mcp requests spend tokens leased from it ahead of
 * time (lease-cache.ts); failed credential attempts ask it every time. Health routes never pass through here.
 */
import { DurableObject } from "cloudflare:workers";
import { AppError } from "../shared/errors";
import { LeaseCache } from "./lease-cache";
import type { Principal } from "./principal";
import type { RpcCall } from "./rbac";

export interface BucketRequest {
  key: string;
  /** tokens a full bucket holds (the burst) */
  capacity: number;
  /** tokens added per second */
  refillPerSecond: number;
}

export interface LeaseRequest extends BucketRequest {
  /** most tokens to take from this bucket; fewer (at least one) when it holds fewer */
  want: number;
}

export interface TakeResult {
  ok: boolean;
  /** seconds until every requested bucket has a token again (0 when ok) */
  retryAfterSeconds: number;
}

export interface LeaseResult extends TakeResult {
  /** tokens taken from each requested bucket, in request order (all 0 when not ok) */
  granted: number[];
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Buckets live in memory: losing them on eviction only resets limits, which errs on the caller's side. */
export class RateLimiter extends DurableObject<Env> {
  #buckets = new Map<string, Bucket>();

  /** Takes one token from every bucket, or from none when any is empty. */
  take(requests: BucketRequest[]): TakeResult {
    return this.#take(requests.map((request) => ({ ...request, want: 1 })), true);
  }

  /** Takes up to `want` tokens from every bucket, or none from any when one is empty. */
  lease(requests: LeaseRequest[]): LeaseResult {
    return this.#take(requests, true);
  }

  /** Whether `take` would succeed now, without taking. */
  peek(requests: BucketRequest[]): TakeResult {
    return this.#take(requests.map((request) => ({ ...request, want: 1 })), false);
  }

  #take(requests: LeaseRequest[], commit: boolean): LeaseResult {
    const now = Date.now();
    let wait = 0;
    const refilled = requests.map((request) => {
      const bucket = this.#buckets.get(request.key) ?? { tokens: request.capacity, updatedMs: now };
      const tokens = Math.min(request.capacity, bucket.tokens + ((now - bucket.updatedMs) / 1000) * request.refillPerSecond);
      if (tokens < 1) wait = Math.max(wait, (1 - tokens) / request.refillPerSecond);
      return { key: request.key, tokens, want: request.want };
    });
    const ok = wait === 0;
    const granted = refilled.map(({ tokens, want }) => (ok ? Math.min(want, Math.floor(tokens)) : 0));
    if (commit) refilled.forEach(({ key, tokens }, i) => this.#buckets.set(key, { tokens: tokens - granted[i]!, updatedMs: now }));
    return { ok, retryAfterSeconds: ok ? 0 : Math.ceil(wait), granted };
  }
}

function perMinute(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Defaults: generous enough for busy agent swarms, tight enough to stop a runaway loop. */
const DEFAULT_CREDENTIAL_PER_MINUTE = 6000;
const DEFAULT_TOOL_PER_MINUTE = 3000;

const leases = new LeaseCache();

export async function enforceRateLimits(
  env: Env,
  principal: Principal,
  calls: RpcCall[],
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<void> {
  const credential = perMinute(env.RATE_LIMIT_PER_MINUTE, DEFAULT_CREDENTIAL_PER_MINUTE);
  const tool = perMinute(env.RATE_LIMIT_TOOL_PER_MINUTE, DEFAULT_TOOL_PER_MINUTE);
  const requests: BucketRequest[] = [{ key: "*", capacity: credential, refillPerSecond: credential / 60 }];
  for (const name of new Set(calls.flatMap((c) => (c.toolName === undefined ? [] : [c.toolName])))) {
    requests.push({ key: `tool:${name}`, capacity: tool, refillPerSecond: tool / 60 });
  }
  const result = await leases.take(principal.id, requests, (wanted) => {
    const lease = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(principal.id)).lease(wanted);
    // Other requests may be waiting on this lease: it must settle even if this request's client goes away.
    // A failure reaches every waiter, so waitUntil need not report it again.
    waitUntil(lease.catch(() => undefined));
    return lease;
  });
  if (!result.ok) {
    throw new AppError("RATE_LIMITED", `Rate limit exceeded; retry after ${result.retryAfterSeconds} s.`, {
      retry_after_seconds: result.retryAfterSeconds,
    });
  }
}

/**
 * Wrong guesses at the deployment token (dashboard login, OAuth approval) per client address: plenty for a
 * person with typos, far too few to guess a 256-bit token. Only failures count, and a full bucket blocks
 * checking at all, so a right guess after the limit still gets 429.
 */
const FAILED_CREDENTIAL_ATTEMPTS_PER_MINUTE = 10;

function failedAttemptsBucket(env: Env, clientAddress: string) {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`failed-credentials:${clientAddress}`));
  const request: BucketRequest = {
    key: "*",
    capacity: FAILED_CREDENTIAL_ATTEMPTS_PER_MINUTE,
    refillPerSecond: FAILED_CREDENTIAL_ATTEMPTS_PER_MINUTE / 60,
  };
  return { stub, request };
}

function tooManyAttempts(retryAfterSeconds: number): AppError {
  return new AppError("RATE_LIMITED", `Too many wrong tokens; wait ${retryAfterSeconds} s and try again.`, {
    retry_after_seconds: retryAfterSeconds,
  });
}

/** Throws RATE_LIMITED while this address has used up its failed attempts. */
export async function checkCredentialAttempts(env: Env, clientAddress: string): Promise<void> {
  const { stub, request } = failedAttemptsBucket(env, clientAddress);
  const result = await stub.peek([request]);
  if (!result.ok) throw tooManyAttempts(result.retryAfterSeconds);
}

export async function recordFailedCredentialAttempt(env: Env, clientAddress: string): Promise<void> {
  const { stub, request } = failedAttemptsBucket(env, clientAddress);
  await stub.take([request]);
}
