/**
 * `/t/c/<token>` throughput against a bare Hono 302 under the same conditions: both run under
 * `wrangler dev` at the same time (the real Worker with its D1/queue bindings, and
 * bench/fixtures/bare-redirect.ts), and one load generator drives each in alternating rounds with
 * the same concurrency and duration, so drift on a shared machine hits both alike.
 *
 *   bash bench/run.sh tracking        (BENCH_CONCURRENCY=32 BENCH_SECONDS=5 BENCH_ROUNDS=3)
 *
 * Targets (issue 7): tracking req/s ≥ 0.7 × bare, tracking p99 ≤ 2 × bare p99. That no D1 query runs
 * on this path is proven by test/workers/tracking-routes.test.ts ("hot path" suite), not timed here.
 */
import { spawn } from "node:child_process";
import { tokenCodec } from "../src/shared/tokens";
import { freePort, waitForPort } from "../test/support/ports";
import { startWorker, type RunningWorker } from "../test/support/worker";
import { percentile } from "./lib";

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SIGNING_KEYS = "1:YmVuY2gtdHJhY2tpbmcta2V5LTAxMjM0NTY3ODlhYmM";
const DESTINATION = "https://example.com/offer?a=1&b=2";

interface Run {
  requests: number;
  seconds: number;
  latencies: number[];
  errors: number;
}

/** Keeps `CONCURRENCY` requests in flight for `seconds`; every answer must be a 302 to DESTINATION. */
async function load(url: string, seconds: number, expectStatus = 302): Promise<Run> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const res = await fetch(url, { redirect: "manual", headers: { "User-Agent": "Mozilla/5.0 (bench) Chrome/142.0" } });
        await res.arrayBuffer();
        if (res.status !== expectStatus || (expectStatus === 302 && res.headers.get("Location") !== DESTINATION)) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return { requests: latencies.length, seconds: (performance.now() - started) / 1000, latencies, errors };
}

function merge(runs: Run[]): Run {
  return {
    requests: runs.reduce((n, r) => n + r.requests, 0),
    seconds: runs.reduce((n, r) => n + r.seconds, 0),
    latencies: runs.flatMap((r) => r.latencies),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  };
}

async function startBare(): Promise<{ url: string; stop: () => Promise<void> }> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const child = spawn(
    "npx",
    ["wrangler", "dev", "-c", "bench/wrangler.bare.toml", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false"],
    { env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" }, stdio: "ignore", detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
  };
  try {
    await waitForPort(port, 90_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}

function row(name: string, run: Run): string {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const rps = run.requests / run.seconds;
  return `${name.padEnd(26)} ${rps.toFixed(0).padStart(8)} ${percentile(sorted, 50).toFixed(2).padStart(8)} ${percentile(sorted, 99).toFixed(2).padStart(8)} ${String(run.requests).padStart(8)} ${String(run.errors).padStart(6)}`;
}

async function main(): Promise<void> {
  let worker: RunningWorker | undefined;
  let bare: Awaited<ReturnType<typeof startBare>> | undefined;
  try {
    [worker, bare] = await Promise.all([startWorker({ TRACKING_SIGNING_KEYS: SIGNING_KEYS }), startBare()]);
    const codec = await tokenCodec(SIGNING_KEYS);
    const token = await codec.sign({ kind: "click", campaignId: 1, recipientId: 1, linkIndex: 0, url: DESTINATION });
    const forged = `${token.slice(0, -2)}AA`;
    const urls = { bare: `${bare.url}/t/c/${token}`, tracking: `${worker.url}/t/c/${token}`, forged: `${worker.url}/t/c/${forged}` };
    const expect = { bare: 302, tracking: 302, forged: 404 };

    await load(urls.bare, 1);
    await load(urls.tracking, 1);
    const runs: Record<"bare" | "tracking" | "forged", Run[]> = { bare: [], tracking: [], forged: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first so neither always gets the warmer machine.
      const order = round % 2 === 0 ? (["bare", "tracking", "forged"] as const) : (["forged", "tracking", "bare"] as const);
      for (const name of order) runs[name].push(await load(urls[name], SECONDS, expect[name]));
    }
    const b = merge(runs.bare);
    const t = merge(runs.tracking);
    const sb = [...b.latencies].sort((x, y) => x - y);
    const st = [...t.latencies].sort((x, y) => x - y);
    const rpsRatio = t.requests / t.seconds / (b.requests / b.seconds);
    const p99Ratio = percentile(st, 99) / percentile(sb, 99);

    console.log(`/t/c/ vs bare Hono 302, wrangler dev, ${CONCURRENCY} concurrent, ${ROUNDS} × ${SECONDS}s alternating rounds`);
    console.log(`${"route".padEnd(26)} ${"req/s".padStart(8)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"requests".padStart(8)} ${"errors".padStart(6)}`);
    console.log(row("bare Hono 302 (baseline)", b));
    console.log(row("/t/c/<token> (tracking)", t));
    console.log(row("/t/c/<forged> (404, info)", merge(runs.forged)));
    console.log(`req/s ratio ${rpsRatio.toFixed(2)}x (target ≥ 0.70x) ${rpsRatio >= 0.7 ? "PASS" : "FAIL"}`);
    console.log(`p99 ratio   ${p99Ratio.toFixed(2)}x (target ≤ 2.00x) ${p99Ratio <= 2 ? "PASS" : "FAIL"}`);
    if (b.errors + t.errors > 0) console.log(`WARNING: ${b.errors + t.errors} requests did not answer 302 to the destination`);
  } finally {
    await Promise.all([worker?.stop(), bare?.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
