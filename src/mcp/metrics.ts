/**
 * Calls and errors per tool, kept in D1 (tool_metrics) so every isolate and restart adds to the same
 * counts; isolate memory would give each isolate its own partial numbers. Written after the reply.
 */
import { sql } from "drizzle-orm";
import { toolMetrics, type Db } from "../db";
import { nowIso } from "../shared/time";

export async function recordToolCall(db: Db, tool: string, failed: boolean): Promise<void> {
  const now = nowIso();
  await db
    .insert(toolMetrics)
    .values({ tool, calls: 1, errors: failed ? 1 : 0, firstCallTs: now, lastCallTs: now })
    .onConflictDoUpdate({
      target: toolMetrics.tool,
      set: { calls: sql`${toolMetrics.calls} + 1`, errors: sql`${toolMetrics.errors} + ${failed ? 1 : 0}`, lastCallTs: now },
    });
}

export async function readToolMetrics(db: Db): Promise<Map<string, { calls: number; errors: number; first_call_ts: string; last_call_ts: string }>> {
  const rows = await db.select().from(toolMetrics);
  return new Map(rows.map((r) => [r.tool, { calls: r.calls, errors: r.errors, first_call_ts: r.firstCallTs, last_call_ts: r.lastCallTs }]));
}
