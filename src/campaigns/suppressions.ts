/**
 * The tenant-wide suppression list: unsubscribes, hard bounces, repeated soft bounces, complaints and manual entries.
 * The sender skips these addresses before rendering; every campaign shares the list.
 */
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import { DEFAULT_TENANT, suppressions, type Db, type SuppressionReason } from "../db";
import { AppError } from "../shared/errors";
import { nowIso } from "../shared/time";
import { normaliseEmail } from "./address";
import { IN_LIST_MAX } from "./constants";

export interface Suppression {
  email: string;
  reason: SuppressionReason;
  source_campaign_id: number | null;
  created_at: string;
}

export async function listSuppressions(
  db: Db,
  options: { cursor?: string; limit?: number } = {},
): Promise<{ suppressions: Suppression[]; next_cursor: string | null }> {
  const limit = options.limit ?? 100;
  const after = Number(options.cursor ?? 0);
  const rows = await db
    .select()
    .from(suppressions)
    .where(and(eq(suppressions.tenant, DEFAULT_TENANT), gt(suppressions.id, Number.isInteger(after) ? after : 0)))
    .orderBy(asc(suppressions.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    suppressions: page.map((r) => ({
      email: r.email,
      reason: r.reason,
      source_campaign_id: r.sourceCampaignId,
      created_at: r.createdAt,
    })),
    next_cursor: rows.length > limit ? String(page.at(-1)!.id) : null,
  };
}

/** Idempotent: an address already suppressed keeps its first reason. */
export async function addSuppressions(
  db: Db,
  emails: readonly string[],
  reason: SuppressionReason = "manual",
  sourceCampaignId: number | null = null,
): Promise<{ added: number; already: number; invalid: string[] }> {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const input of emails) {
    const email = normaliseEmail(input);
    if (email) valid.push(email);
    else invalid.push(input.slice(0, 320));
  }
  const unique = [...new Set(valid)];
  const now = nowIso();
  let added = 0;
  for (let i = 0; i < unique.length; i += 20) {
    const inserted = await db
      .insert(suppressions)
      .values(unique.slice(i, i + 20).map((email) => ({ email, reason, sourceCampaignId, createdAt: now })))
      .onConflictDoNothing()
      .returning({ id: suppressions.id });
    added += inserted.length;
  }
  return { added, already: unique.length - added, invalid };
}

export async function removeSuppression(db: Db, input: string): Promise<{ removed: boolean; email: string }> {
  const email = normaliseEmail(input);
  if (!email) {
    throw new AppError("INVALID_ARGUMENT", `email ${JSON.stringify(input.slice(0, 320))} is not a valid address.`, {
      field: "email",
    });
  }
  const removed = await db
    .delete(suppressions)
    .where(and(eq(suppressions.tenant, DEFAULT_TENANT), eq(suppressions.email, email)))
    .returning({ id: suppressions.id });
  return { removed: removed.length > 0, email };
}

/** The subset of `emails` that is suppressed, with reasons. */
export async function suppressedAmong(db: Db, emails: readonly string[]): Promise<Map<string, SuppressionReason>> {
  const found = new Map<string, SuppressionReason>();
  for (let i = 0; i < emails.length; i += IN_LIST_MAX) {
    const rows = await db
      .select({ email: suppressions.email, reason: suppressions.reason })
      .from(suppressions)
      .where(and(eq(suppressions.tenant, DEFAULT_TENANT), inArray(suppressions.email, emails.slice(i, i + IN_LIST_MAX))));
    for (const row of rows) found.set(row.email, row.reason);
  }
  return found;
}
