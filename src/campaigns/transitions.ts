/**
 * The recipient and campaign state machine as conditional UPDATEs: every transition names the state
 * it leaves (`WHERE state = …`), so a redelivered or concurrent chunk changes nothing it should not.
 *   recipient: queued → sending (claim) → sent | failed | queued (retry) ; queued → skipped (suppressed)
 *   campaign:  sending → paused (auth/quota/give-up) | done (nothing queued or in flight)
 */
import { and, eq, sql } from "drizzle-orm";
import { campaignRecipients, campaigns, type CampaignRecipientRow, type CampaignRow, type Db } from "../db";
import { SEND_LEASE_SECONDS } from "./constants";

export function claimUpdate(db: Db, campaign: CampaignRow, recipientId: number, now: Date) {
  return db
    .update(campaignRecipients)
    .set({
      state: "sending",
      attempts: sql`${campaignRecipients.attempts} + 1`,
      leaseUntil: new Date(now.getTime() + SEND_LEASE_SECONDS * 1000).toISOString(),
      updatedAt: now.toISOString(),
    })
    .where(
      and(
        eq(campaignRecipients.id, recipientId),
        eq(campaignRecipients.state, "queued"),
        sql`EXISTS (SELECT 1 FROM campaigns WHERE id = ${campaign.id} AND state = 'sending' AND run_id = ${campaign.runId})`,
      ),
    )
    .returning({ attempts: campaignRecipients.attempts });
}

export function resultUpdate(
  db: Db,
  recipientId: number,
  result: { state: "sent" | "failed" | "queued"; error: string | null; messageId?: string; sentAt?: string; attempts?: number },
) {
  return db
    .update(campaignRecipients)
    .set({
      state: result.state,
      error: result.error?.slice(0, 1000) ?? null,
      messageId: result.messageId,
      sentAt: result.sentAt,
      attempts: result.attempts,
      leaseUntil: null,
      updatedAt: new Date().toISOString(),
    })
    .where(and(eq(campaignRecipients.id, recipientId), eq(campaignRecipients.state, "sending")));
}

/**
 * Claims whose lease lapsed belong to a worker that died mid-transaction: failed, never resent.
 * Returns the seconds until the last live claim lapses (0 when none), so the chunk can come back then.
 */
export async function settleStaleClaims(db: Db, rows: CampaignRecipientRow[], now: Date): Promise<number> {
  let waitSeconds = 0;
  for (const row of rows.filter((r) => r.state === "sending")) {
    const lease = row.leaseUntil ? Date.parse(row.leaseUntil) : 0;
    if (lease > now.getTime()) {
      waitSeconds = Math.max(waitSeconds, Math.ceil((lease - now.getTime()) / 1000));
      continue;
    }
    await db
      .update(campaignRecipients)
      .set({
        state: "failed",
        error: "delivery outcome unknown: the sender stopped during the SMTP transaction; not resent to avoid a duplicate",
        leaseUntil: null,
        updatedAt: now.toISOString(),
      })
      .where(and(eq(campaignRecipients.id, row.id), eq(campaignRecipients.state, "sending"), eq(campaignRecipients.leaseUntil, row.leaseUntil ?? "")));
  }
  return waitSeconds;
}

export async function skipSuppressed(
  db: Db,
  rows: CampaignRecipientRow[],
  suppressed: ReadonlyMap<string, string>,
  now: Date,
): Promise<void> {
  const statements = rows
    .filter((r) => suppressed.has(r.email))
    .map((r) =>
      db
        .update(campaignRecipients)
        .set({ state: "skipped", error: `suppressed (${suppressed.get(r.email)})`, updatedAt: now.toISOString() })
        .where(and(eq(campaignRecipients.id, r.id), eq(campaignRecipients.state, "queued"))),
    );
  await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
}

export async function pauseCampaign(db: Db, campaign: CampaignRow, reason: string, now: Date): Promise<void> {
  await db
    .update(campaigns)
    .set({ state: "paused", pauseReason: reason.slice(0, 500), updatedAt: now.toISOString() })
    .where(and(eq(campaigns.id, campaign.id), eq(campaigns.state, "sending"), eq(campaigns.runId, campaign.runId)));
}

/** `done` once no recipient is queued or in flight; conditional so only one chunk flips it. */
export async function finishIfDone(db: Db, campaign: CampaignRow, now: Date): Promise<void> {
  await db.run(sql`
    UPDATE campaigns SET state = 'done', finished_at = ${now.toISOString()}, updated_at = ${now.toISOString()}
    WHERE id = ${campaign.id} AND state = 'sending' AND run_id = ${campaign.runId}
      AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = ${campaign.id} AND state IN ('queued', 'sending'))`);
}
