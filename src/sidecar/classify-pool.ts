/**
 * Worker threads that classify fetched messages while the main thread keeps reading the IMAP stream.
 * Messages cross in batches: the sources gathered since the last turn of the event loop are copied
 * into one buffer that is transferred, not cloned. One message per postMessage cost more than it
 * saved, because imapflow's sources are views into 64 KiB socket chunks and posting a view clones its
 * whole backing buffer. The pool's threads run the sidecar's own entry file in "classify" mode, so
 * the tsx process and the bundled image work alike.
 */
import { Worker, parentPort } from "node:worker_threads";
import { toEventJson, type EventInput } from "./events";

export const CLASSIFY_ROLE = "classify";

/** A batch is sent once it holds this many bytes or messages, else on the next turn of the event loop. */
const BATCH_BYTES = 1024 * 1024;
const BATCH_MESSAGES = 256;

interface Request {
  id: number;
  folders: string[];
  uids: number[];
  /** where each message's source ends in `bytes`; each starts where the previous one ends. */
  ends: number[];
  bytes: ArrayBuffer;
}

/** Each message's event as JSON text (toEventJson), null where it yields none. */
type Reply = { id: number; events: (string | null)[] } | { id: number; error: string };

interface Waiter {
  resolve(event: string | undefined): void;
  reject(err: Error): void;
}

export interface ClassifyPool {
  classify(input: EventInput): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * @param entry path of the sidecar entry module (main.ts, or the bundle in the image); started with
 *   `workerData.role = "classify"` it serves requests instead of listening.
 * @param size threads; at least 1.
 */
export function createClassifyPool(entry: string, size: number): ClassifyPool {
  const pending = new Map<number, Waiter[]>();
  // A thread that died takes its batches with it and would never answer again: everything waiting
  // and everything after fails with its error, so a sync reports the folder instead of hanging.
  let broken: Error | undefined;
  const failAll = (err: Error) => {
    broken ??= err;
    for (const [id, waiters] of pending) {
      pending.delete(id);
      for (const w of waiters) w.reject(err);
    }
  };
  const workers = Array.from({ length: Math.max(1, size) }, () => {
    const worker = new Worker(entry, { workerData: { role: CLASSIFY_ROLE } });
    worker.on("message", (reply: Reply) => {
      const waiters = pending.get(reply.id);
      if (!waiters) return;
      pending.delete(reply.id);
      if ("error" in reply) for (const w of waiters) w.reject(new Error(reply.error));
      else for (const [i, w] of waiters.entries()) w.resolve(reply.events[i] ?? undefined);
    });
    worker.on("error", failAll);
    worker.on("exit", () => failAll(new Error("A classify thread exited.")));
    worker.unref();
    return worker;
  });

  let next = 0;
  let seq = 0;
  let queued: { input: EventInput; waiter: Waiter }[] = [];
  let queuedBytes = 0;
  let scheduled: NodeJS.Immediate | undefined;

  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (queued.length === 0) return;
    const batch = queued;
    const size = queuedBytes;
    queued = [];
    queuedBytes = 0;
    if (broken) {
      for (const q of batch) q.waiter.reject(broken);
      return;
    }
    const bytes = new Uint8Array(size);
    const ends: number[] = [];
    let at = 0;
    for (const { input } of batch) {
      bytes.set(input.source, at);
      at += input.source.byteLength;
      ends.push(at);
    }
    const id = seq++;
    pending.set(id, batch.map((q) => q.waiter));
    const folders = batch.map((q) => q.input.folder);
    const request: Request = { id, folders, uids: batch.map((q) => q.input.uid), ends, bytes: bytes.buffer };
    workers[next++ % workers.length]!.postMessage(request, [bytes.buffer]);
  };

  return {
    classify(input) {
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        queued.push({ input, waiter: { resolve, reject } });
        queuedBytes += input.source.byteLength;
        if (queuedBytes >= BATCH_BYTES || queued.length >= BATCH_MESSAGES) flush();
        else scheduled ??= setImmediate(flush);
      });
    },
    async close() {
      flush();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** The worker-thread side: answers classify requests until terminated. */
export function serveClassifyRequests(): void {
  const port = parentPort;
  if (!port) throw new Error("serveClassifyRequests must run in a worker thread");
  port.on("message", (request: Request) => {
    let start = 0;
    const events = request.ends.map((end, i) => {
      const source = new Uint8Array(request.bytes, start, end - start);
      start = end;
      return toEventJson({ folder: request.folders[i]!, uid: request.uids[i]!, source });
    });
    Promise.all(events).then(
      (done) => port.postMessage({ id: request.id, events: done.map((e) => e ?? null) } satisfies Reply),
      (err: unknown) => port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
    );
  });
}
