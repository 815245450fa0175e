/**
 * Sidecar entrypoint: `tsx src/sidecar/main.ts` locally; the container image runs an esbuild bundle of
 * this file. The same file is the classify worker threads' entry (workerData.role = "classify").
 * Prints one JSON line with the bound port once listening (the test rig waits for it) and closes on
 * SIGTERM (containers get SIGTERM, then SIGKILL after a grace period).
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { isMainThread, workerData } from "node:worker_threads";
import { CLASSIFY_ROLE, createClassifyPool, serveClassifyRequests } from "./classify-pool";
import { readConfig } from "./config";
import type { EventInput } from "./events";
import { createSidecarServer } from "./server";

function start(): void {
  const config = readConfig(process.env);
  // Measured (bench/imap-sync.ts): with batched hand-off one thread beside the IMAP stream pays on two
  // cores too; a single core classifies inline. One core stays for the IMAP stream.
  const cores = availableParallelism();
  const threads = config.classifyThreads ?? Math.max(0, cores - 1);
  const pool = threads > 0 ? createClassifyPool(fileURLToPath(import.meta.url), threads) : undefined;
  const server = createSidecarServer({ ...config, ...(pool ? { classifier: (input: EventInput) => pool.classify(input) } : {}) });

  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    console.log(JSON.stringify({ level: "info", msg: "sidecar listening", host: config.host, port }));
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      server.close(() => void (pool?.close() ?? Promise.resolve()).then(() => process.exit(0)));
      server.closeIdleConnections();
    });
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === CLASSIFY_ROLE) serveClassifyRequests();
else start();
