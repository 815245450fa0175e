/**
 * Runs every case (or those named in argv) against a Worker and prints p50/p95/p99 with ratios to
 * health_check measured in the same run. BENCH_URL + BENCH_TOKEN point at a running server; otherwise a
 * fresh `wrangler dev` is started on a free loopback port and stopped at the end.
 */
import { connectMcp } from "../test/support/mcp";
import { startWorker, type RunningWorker } from "../test/support/worker";
import { CASES } from "./cases";
import { formatRow, HEADER, measure, measureThroughput } from "./lib";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const cases = only.length > 0 ? CASES.filter((c) => only.some((o) => c.name.includes(o))) : CASES;
  let worker: RunningWorker | undefined;
  if (process.env.BENCH_URL === undefined) {
    worker = await startWorker({}, {
      beforeStart: async (persistDir) => {
        for (const benchCase of cases) await benchCase.prepareStorage?.(persistDir);
      },
    });
  }
  const url = process.env.BENCH_URL ?? worker!.url;
  const token = process.env.BENCH_TOKEN ?? worker!.token;
  const client = await connectMcp(url, token);
  try {
    const baseline = await measure(() => client.callTool({ name: "health_check", arguments: {} }), ITERATIONS);
    console.log(`Pigeonhole bench against ${url} (${ITERATIONS} iterations per case, sequential)`);
    console.log(HEADER);
    console.log(formatRow("health_check (baseline)", baseline, baseline));
    for (const benchCase of cases) {
      const op = await benchCase.setup({ url, token, client });
      if (benchCase.concurrency !== undefined) {
        const run = await measureThroughput(op, benchCase.iterations ?? ITERATIONS, benchCase.concurrency);
        console.log(formatRow(benchCase.name, run, baseline, benchCase.target));
        console.log(
          `${"".padEnd(28)} ${run.opsPerSecond.toFixed(1)} ops/s with ${benchCase.concurrency} concurrent callers, ` +
            `${run.errors} errors, ${(run.wallMs / 1000).toFixed(1)} s wall`,
        );
        continue;
      }
      const stats = await measure(() => op(0), benchCase.iterations ?? ITERATIONS, benchCase.warmup);
      console.log(formatRow(benchCase.name, stats, baseline, benchCase.target));
    }
  } finally {
    await client.close();
    await worker?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
