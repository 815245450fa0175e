/**
 * The classify pool's hand-off (src/sidecar/classify-pool.ts): messages packed into batches, answers
 * matched back to their callers, and failures. The threads here run small stand-in scripts; the real
 * classifier on threads is compared with the inline one in sidecar.test.ts.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createClassifyPool } from "../../src/sidecar/classify-pool";

/** A thread that answers each message with event JSON naming its folder, uid and text, and counts batches. */
const ECHO = `
import { parentPort } from "node:worker_threads";
let batches = 0;
parentPort.on("message", (req) => {
  batches += 1;
  let start = 0;
  const events = req.ends.map((end, i) => {
    const text = Buffer.from(req.bytes, start, end - start).toString("utf8");
    start = end;
    return text === "other" ? null : JSON.stringify({ folder: req.folders[i], uid: req.uids[i], key: text + "/" + batches });
  });
  parentPort.postMessage({ id: req.id, events });
});`;

const FAILING = `
import { parentPort } from "node:worker_threads";
parentPort.on("message", (req) => parentPort.postMessage({ id: req.id, error: "classifier broke" }));`;

const EXITING = `
import { parentPort } from "node:worker_threads";
parentPort.on("message", () => process.exit(3));`;

const CRASHING = `
import { parentPort } from "node:worker_threads";
parentPort.on("message", () => { throw new Error("thread died"); });`;

const dir = mkdtempSync(join(tmpdir(), "pigeonhole-pool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(code: string): string {
  const path = join(dir, `${createHash("sha256").update(code).digest("hex").slice(0, 12)}.mjs`);
  writeFileSync(path, code);
  return path;
}

function input(uid: number, text: string) {
  // A view into a larger buffer, as imapflow hands them out: only the view's bytes may cross.
  const backing = Buffer.from(`xx${text}yy`);
  return { folder: "Bounces", uid, source: backing.subarray(2, 2 + Buffer.byteLength(text)) };
}

describe("classify pool", () => {
  it("answers every message with its own event across batches and threads", async () => {
    const pool = createClassifyPool(script(ECHO), 2);
    try {
      const big = "x".repeat(300 * 1024);
      const texts = Array.from({ length: 700 }, (_, i) => (i % 100 === 7 ? big : i % 10 === 3 ? "other" : `m${i}`));
      const answers = await Promise.all(texts.map((t, i) => pool.classify(input(i + 1, t))));
      const got = answers.map((a) => (a === undefined ? undefined : (JSON.parse(a) as { folder: string; uid: number; key: string })));
      got.forEach((event, i) => {
        if (texts[i] === "other") expect(event).toBeUndefined();
        else expect([event?.folder, event?.uid, event?.key.startsWith(`${texts[i]}/`)]).toEqual(["Bounces", i + 1, true]);
      });
      // 700 messages, 2.1 MB: more than one batch by count and by size.
      const batchesSeen = new Set(got.map((e) => e?.key.split("/")[1]).filter(Boolean));
      expect(batchesSeen.size).toBeGreaterThan(1);
    } finally {
      await pool.close();
    }
  });

  it("sends a lone message without waiting for a full batch", async () => {
    const pool = createClassifyPool(script(ECHO), 1);
    try {
      expect(JSON.parse((await pool.classify(input(9, "alone")))!)).toMatchObject({ uid: 9, key: "alone/1" });
    } finally {
      await pool.close();
    }
  });

  it("rejects the batch's callers when the thread reports an error", async () => {
    const pool = createClassifyPool(script(FAILING), 1);
    try {
      const calls = [pool.classify(input(1, "a")), pool.classify(input(2, "b"))];
      for (const call of calls) await expect(call).rejects.toThrow("classifier broke");
    } finally {
      await pool.close();
    }
  });

  it("rejects what a thread that exited held", async () => {
    const pool = createClassifyPool(script(EXITING), 1);
    try {
      await expect(pool.classify(input(1, "a"))).rejects.toThrow("classify thread exited");
    } finally {
      await pool.close();
    }
  });

  it("rejects what a crashed thread held, and every later call, instead of hanging", async () => {
    const pool = createClassifyPool(script(CRASHING), 1);
    try {
      await expect(pool.classify(input(1, "a"))).rejects.toThrow("thread died");
      await expect(pool.classify(input(2, "b"))).rejects.toThrow("thread died");
    } finally {
      await pool.close();
    }
  });
});
