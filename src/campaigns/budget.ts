/**
 * Per-mailbox send budget shared by every consumer: `rate_per_minute` and `daily_cap` are counters
 * in D1 (`mailbox_send_budget`) per minute and per UTC day. A reservation adds optimistically and
 * gives back what overshot the cap, so concurrent consumers can never be granted more than the cap in
 * total (each one's grant is computed from the value its own UPDATE returned).
 */
import { sql } from "drizzle-orm";
import type { Db, MailboxRow } from "../db";

export interface BudgetGrant {
  granted: number;
  /** When nothing (or not everything) was granted: seconds until the exhausted window reopens. */
  retryAfterSeconds: number;
}

export async function reserveSendBudget(db: Db, mailbox: MailboxRow, wanted: number, now: Date): Promise<BudgetGrant> {
  const iso = now.toISOString();
  const windows: Array<{ key: string; cap: number; reopensIn: number }> = [];
  if (mailbox.ratePerMinute != null) {
    windows.push({ key: `m:${iso.slice(0, 16)}`, cap: mailbox.ratePerMinute, reopensIn: 60 - now.getUTCSeconds() });
  }
  if (mailbox.dailyCap != null) {
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    windows.push({ key: `d:${iso.slice(0, 10)}`, cap: mailbox.dailyCap, reopensIn: Math.ceil((midnight - now.getTime()) / 1000) });
  }
  let granted = wanted;
  let retryAfterSeconds = 0;
  const taken: Array<{ key: string; amount: number }> = [];
  for (const window of windows) {
    if (granted === 0) break;
    const got = await take(db, mailbox.id, window.key, window.cap, granted);
    if (got < granted) retryAfterSeconds = Math.max(retryAfterSeconds, window.reopensIn);
    // Hand back what earlier windows granted beyond this one's grant.
    for (const t of taken) await giveBack(db, mailbox.id, t.key, granted - got);
    granted = got;
    taken.push({ key: window.key, amount: got });
  }
  return { granted, retryAfterSeconds };
}

async function take(db: Db, mailboxId: number, window: string, cap: number, wanted: number): Promise<number> {
  const [row] = await db.all<{ used: number }>(sql`
    INSERT INTO mailbox_send_budget (mailbox_id, "window", used) VALUES (${mailboxId}, ${window}, ${wanted})
    ON CONFLICT (mailbox_id, "window") DO UPDATE SET used = used + ${wanted}
    RETURNING used`);
  const before = row!.used - wanted;
  const granted = Math.max(0, Math.min(wanted, cap - before));
  if (granted < wanted) await giveBack(db, mailboxId, window, wanted - granted);
  return granted;
}

async function giveBack(db: Db, mailboxId: number, window: string, amount: number): Promise<void> {
  if (amount <= 0) return;
  await db.run(sql`UPDATE mailbox_send_budget SET used = used - ${amount} WHERE mailbox_id = ${mailboxId} AND "window" = ${window}`);
}
