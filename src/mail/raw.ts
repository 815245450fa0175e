/**
 * Raw D1 batches for the few reads that must see the effect of a write in the same transaction
 * (receipts) or want several joined reads in one round trip. Drizzle's batch maps rows by column name,
 * which breaks when joined tables share names, so these go to the D1 binding with explicit aliases.
 */
import type { Db } from "../db";

export type Statement = readonly [query: string, ...params: unknown[]];

/** Runs the statements as one D1 batch (one transaction) and returns each statement's rows. */
export async function rawBatch<Rows extends unknown[][]>(db: Db, statements: readonly Statement[]): Promise<Rows> {
  const d1 = db.$client;
  const results = await d1.batch(statements.map(([query, ...params]) => d1.prepare(query).bind(...params)));
  return results.map((r) => r.results ?? []) as Rows;
}
