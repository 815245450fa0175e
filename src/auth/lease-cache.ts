/**
 * Rate-limit tokens leased from the RateLimiter Durable Object and kept in isolate memory, so that most
 * requests spend a local token instead of making an RPC.
 *
 * The object stays the only authority: tokens leave its buckets before they are spent, so leasing can never
 * admit more than the configured limit, however many isolates serve a caller. The price is waste: tokens
 * not spent within LEASE_TTL_MS are dropped, never returned, which costs at most one lease (a quarter second
 * of refill, at most MAX_LEASE tokens) per bucket per isolate per second. A caller spread over many isolates
 * may therefore meet 429 a little before its configured rate, never after it. Leases are sized from the
 * refill rate, so tight limits lease one token at a time and behave exactly as a call per request would.
 */
import type { BucketRequest, LeaseRequest, LeaseResult, TakeResult } from "./rate-limiter";

const LEASE_TTL_MS = 1000;
const LEASE_SECONDS_OF_REFILL = 0.25;
const MAX_LEASE = 50;
/** Past this many (owner, bucket) entries, expired ones are swept before another is added. */
const MAX_ENTRIES = 10_000;

const OK: TakeResult = { ok: true, retryAfterSeconds: 0 };

export type LeaseFn = (requests: LeaseRequest[]) => Promise<LeaseResult>;

interface Lease {
  tokens: number;
  expiresMs: number;
}

interface InFlight {
  /** the bucket keys being leased, to tell which waiters a refusal answers too */
  keys: string;
  result: Promise<TakeResult>;
}

function leaseSize(bucket: BucketRequest): number {
  return Math.min(MAX_LEASE, Math.max(1, Math.floor(bucket.refillPerSecond * LEASE_SECONDS_OF_REFILL)));
}

export class LeaseCache {
  readonly #leases = new Map<string, Lease>();
  /** at most one lease RPC per owner at a time; other requests of that owner wait for it */
  readonly #inFlight = new Map<string, InFlight>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Spends one token from each of `owner`'s buckets, or none when any is empty; leases what is missing. */
  async take(owner: string, buckets: BucketRequest[], lease: LeaseFn): Promise<TakeResult> {
    for (;;) {
      const missing = this.#missing(owner, buckets);
      if (missing.length === 0) return this.#spend(owner, buckets);
      const keys = missing.map((bucket) => bucket.key).join("\n");
      const inFlight = this.#inFlight.get(owner);
      if (inFlight) {
        const result = await inFlight.result;
        // Asking again for exactly the buckets just refused would only repeat the refusal.
        if (!result.ok && inFlight.keys === keys) return result;
        continue;
      }
      const result = lease(missing.map((bucket) => ({ ...bucket, want: leaseSize(bucket) })))
        .then((answer) => this.#store(owner, missing, answer))
        .finally(() => this.#inFlight.delete(owner));
      this.#inFlight.set(owner, { keys, result });
      // This continuation was registered before any waiter's, so the leasing request spends first.
      const answer = await result;
      if (!answer.ok) return answer;
      if (this.#missing(owner, buckets).length === 0) return this.#spend(owner, buckets);
    }
  }

  /** Length-prefixed, so no owner and bucket key (both caller-influenced) can spell another pair's key. */
  #key(owner: string, bucket: BucketRequest): string {
    return `${owner.length}:${owner}${bucket.key}`;
  }

  #missing(owner: string, buckets: BucketRequest[]): BucketRequest[] {
    const now = this.#now();
    return buckets.filter((bucket) => {
      const lease = this.#leases.get(this.#key(owner, bucket));
      return lease === undefined || lease.expiresMs <= now;
    });
  }

  #spend(owner: string, buckets: BucketRequest[]): TakeResult {
    for (const bucket of buckets) {
      const key = this.#key(owner, bucket);
      const lease = this.#leases.get(key)!;
      if (--lease.tokens === 0) this.#leases.delete(key);
    }
    return OK;
  }

  #store(owner: string, buckets: BucketRequest[], answer: LeaseResult): TakeResult {
    if (!answer.ok) return { ok: false, retryAfterSeconds: answer.retryAfterSeconds };
    if (this.#leases.size >= MAX_ENTRIES) this.#sweep();
    const expiresMs = this.#now() + LEASE_TTL_MS;
    buckets.forEach((bucket, i) => this.#leases.set(this.#key(owner, bucket), { tokens: answer.granted[i]!, expiresMs }));
    return OK;
  }

  /** Drops expired leases, and every lease if the map is still full: dropped tokens are only wasted. */
  #sweep(): void {
    const now = this.#now();
    for (const [key, lease] of this.#leases) if (lease.expiresMs <= now) this.#leases.delete(key);
    if (this.#leases.size >= MAX_ENTRIES) this.#leases.clear();
  }
}
