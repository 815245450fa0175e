/**
 * Calls and errors per tool, stored in D1 (tool_metrics) so counts from every isolate and restart add up.
 * Writing one row per call cost about a third of health_check's throughput, so each isolate buffers its
 * counts and flushes them in one batch every FLUSH_EVERY_CALLS calls or FLUSH_AFTER_MS, whichever comes
 * first (and before the metrics resource is read). The trade-off: an evicted isolate loses at most its
 * unflushed counts, which is acceptable for an operational gauge and never affects mail.
 */
import { sql } from "drizzle-orm";
import { toolMetrics, type Db } from "../db";
import { nowIso } from "../shared/time";

const FLUSH_EVERY_CALLS = 50;
const FLUSH_AFTER_MS = 2_000;

interface Pending {
  calls: number;
  errors: number;
}

let pending = new Map<string, Pending>();
let pendingCalls = 0;
let lastFlush = Date.now();

/** Counts one call; returns a flush to hand to waitUntil when one is due, else undefined. */
export function recordToolCall(db: Db, tool: string, failed: boolean): Promise<void> | undefined {
  const entry = pending.get(tool) ?? { calls: 0, errors: 0 };
  entry.calls += 1;
  entry.errors += failed ? 1 : 0;
  pending.set(tool, entry);
  pendingCalls += 1;
  if (pendingCalls >= FLUSH_EVERY_CALLS || Date.now() - lastFlush >= FLUSH_AFTER_MS) return flushToolMetrics(db);
  return undefined;
}

/** Writes the buffered counts in one D1 batch; on failure they are put back for the next flush. */
export async function flushToolMetrics(db: Db): Promise<void> {
  if (pending.size === 0) return;
  const batch = pending;
  pending = new Map();
  pendingCalls = 0;
  lastFlush = Date.now();
  const now = nowIso();
  const statements = [...batch].map(([tool, counts]) =>
    db
      .insert(toolMetrics)
      .values({ tool, calls: counts.calls, errors: counts.errors, firstCallTs: now, lastCallTs: now })
      .onConflictDoUpdate({
        target: toolMetrics.tool,
        set: { calls: sql`${toolMetrics.calls} + ${counts.calls}`, errors: sql`${toolMetrics.errors} + ${counts.errors}`, lastCallTs: now },
      }),
  );
  try {
    await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
  } catch (err) {
    for (const [tool, counts] of batch) {
      const entry = pending.get(tool) ?? { calls: 0, errors: 0 };
      pending.set(tool, { calls: entry.calls + counts.calls, errors: entry.errors + counts.errors });
      pendingCalls += counts.calls;
    }
    throw err;
  }
}

export async function readToolMetrics(db: Db): Promise<Map<string, { calls: number; errors: number; first_call_ts: string; last_call_ts: string }>> {
  await flushToolMetrics(db).catch(() => undefined);
  const rows = await db.select().from(toolMetrics);
  return new Map(rows.map((r) => [r.tool, { calls: r.calls, errors: r.errors, first_call_ts: r.firstCallTs, last_call_ts: r.lastCallTs }]));
}
