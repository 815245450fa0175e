/**
 * Worker threads that classify fetched messages while the main thread keeps reading the IMAP stream.
 * Worth it on hosts with more than two cores (main.ts decides; on two the hand-off cost more than it
 * saved in bench/imap-sync.ts). The pool's threads run
 * the sidecar's own entry file in "classify" mode, so the tsx process and the bundled image work alike.
 */
import { Worker, parentPort } from "node:worker_threads";
import { toEvent, type EventInput } from "./events";
import type { SyncEvent } from "./protocol";

export const CLASSIFY_ROLE = "classify";

interface Request {
  id: number;
  input: EventInput;
}

type Reply = { id: number; event?: SyncEvent } | { id: number; error: string };

export interface ClassifyPool {
  classify(input: EventInput): Promise<SyncEvent | undefined>;
  close(): Promise<void>;
}

/**
 * @param entry path of the sidecar entry module (main.ts, or the bundle in the image); started with
 *   `workerData.role = "classify"` it serves requests instead of listening.
 * @param size threads; at least 1.
 */
export function createClassifyPool(entry: string, size: number): ClassifyPool {
  const pending = new Map<number, { resolve(e: SyncEvent | undefined): void; reject(err: Error): void }>();
  const workers = Array.from({ length: Math.max(1, size) }, () => {
    const worker = new Worker(entry, { workerData: { role: CLASSIFY_ROLE } });
    worker.on("message", (reply: Reply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if ("error" in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.event);
    });
    // A dead thread fails what it held; the next sync call gets a new pool from nobody, so fail loudly.
    worker.on("error", (err) => {
      for (const [id, waiter] of pending) {
        pending.delete(id);
        waiter.reject(err);
      }
    });
    worker.unref();
    return worker;
  });
  let next = 0;
  let seq = 0;
  return {
    classify(input) {
      const id = seq++;
      const worker = workers[next++ % workers.length]!;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, input } satisfies Request);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** The worker-thread side: answers classify requests until terminated. */
export function serveClassifyRequests(): void {
  const port = parentPort;
  if (!port) throw new Error("serveClassifyRequests must run in a worker thread");
  port.on("message", (request: Request) => {
    toEvent(request.input).then(
      (event) => port.postMessage({ id: request.id, ...(event ? { event } : {}) } satisfies Reply),
      (err: unknown) => port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
    );
  });
}
