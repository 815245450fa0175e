/**
 * Benchmark plumbing: a case is a function making one MCP round trip; the runner measures each case
 * and health_check in the same run against the same server and prints percentiles plus ratios.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";

export interface BenchContext {
  url: string;
  token: string;
  client: Client;
}

export interface BenchCase {
  name: string;
  /** What the issue asks of this case, printed beside the measured ratio. */
  target?: string;
  /** Prepares data once; returns the operation to time (`worker` is 0…concurrency-1 in throughput mode). */
  setup(ctx: BenchContext): Promise<(worker: number) => Promise<unknown>>;
  iterations?: number;
  /**
   * Bulk-loads data into the local D1 file before the bench's own `wrangler dev` starts (a running
   * workerd must not share its SQLite file with another writer). Not available with BENCH_URL.
   */
  prepareStorage?(persistDir: string): void | Promise<void>;
  /** Untimed runs before measuring (default 20); expensive cases lower it. */
  warmup?: number;
  /** Throughput mode: run `iterations` operations from this many concurrent workers and report ops/s. */
  concurrency?: number;
}

export interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export function summarize(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), mean };
}

/** Times `op` sequentially after a warm-up; milliseconds per call. */
export async function measure(op: () => Promise<unknown>, iterations: number, warmup = 20): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await op();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await op();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

export interface Throughput extends Stats {
  opsPerSecond: number;
  errors: number;
  wallMs: number;
}

/** Runs `total` operations spread over `concurrency` workers; an operation that throws counts as an error. */
export async function measureThroughput(op: (worker: number) => Promise<unknown>, total: number, concurrency: number): Promise<Throughput> {
  const samples: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < total) {
        next += 1;
        const start = performance.now();
        try {
          await op(worker);
        } catch {
          errors += 1;
        }
        samples.push(performance.now() - start);
      }
    }),
  );
  const wallMs = performance.now() - started;
  return { ...summarize(samples), opsPerSecond: (samples.length * 1000) / wallMs, errors, wallMs };
}

export function formatRow(name: string, stats: Stats, baseline: Stats, target = ""): string {
  const f = (n: number) => n.toFixed(2).padStart(8);
  const r = (n: number) => `${n.toFixed(2)}x`.padStart(7);
  return `${name.padEnd(28)} ${f(stats.p50)} ${f(stats.p95)} ${f(stats.p99)}   ${r(stats.p50 / baseline.p50)} ${r(stats.p95 / baseline.p95)}   ${target}`;
}

export const HEADER = `${"case".padEnd(28)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"p99 ms".padStart(8)}   ${"p50/hc".padStart(7)} ${"p95/hc".padStart(7)}   target`;
