/**
 * Records one synced message and applies the rules (API-campaigns.md, deliverability.md §4.3):
 * hard → suppress; soft → counted, suppressed once SOFT_SUPPRESS_COUNT of the address's last
 * SOFT_WINDOW sends soft-bounced; block (5.7.x) → the recipient is untouched, the mailbox is flagged and
 * the campaign paused once blocks repeat; deferred → recorded only; auto-replies are neither bounces nor
 * replies; replies and complaints are counted (complaints also suppress). The message's content key is
 * claimed first, so a re-run or a rescan after a UIDVALIDITY change records nothing twice.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import {
  campaignCounters,
  campaignEvents,
  campaignRecipients,
  campaigns,
  imapMailboxState,
  imapMessages,
  suppressions,
  type CampaignEventKind,
  type Db,
  type SuppressionReason,
} from "../db";
import type { TokenCodec } from "../shared/tokens";
import type { SyncEvent, SyncRecipient } from "../sidecar/protocol";
import { BLOCK_PAUSE_COUNT, SOFT_SUPPRESS_COUNT, SOFT_WINDOW } from "./constants";
import { keyedTarget, matchRecipients, type MatchTarget } from "./match";

export interface SyncTally {
  bounces: { hard: number; soft: number; block: number; deferred: number };
  auto_replies: number;
  replies: number;
  complaints: number;
  unmatched: number;
}

export function emptyTally(): SyncTally {
  return { bounces: { hard: 0, soft: 0, block: 0, deferred: 0 }, auto_replies: 0, replies: 0, complaints: 0, unmatched: 0 };
}

const BOUNCE_EVENT: Record<SyncRecipient["class"], CampaignEventKind> = {
  hard: "bounce_hard",
  soft: "bounce_soft",
  block: "bounce_block",
  deferred: "deferred",
};

interface Outcome {
  target: MatchTarget;
  kind: CampaignEventKind;
  recipient?: SyncRecipient;
}

export interface RecordContext {
  db: Db;
  codec: TokenCodec;
  mailboxId: number;
  now: Date;
}

async function outcomesOf(ctx: RecordContext, event: SyncEvent): Promise<Outcome[]> {
  const keyed = await keyedTarget(ctx.db, ctx.codec, ctx.mailboxId, event);
  if (event.kind === "reply" || event.kind === "auto_reply") {
    return keyed ? [{ target: keyed, kind: event.kind }] : [];
  }
  const emails = [...new Set(event.recipients.map((r) => r.email))];
  if (emails.length === 0) {
    // A complaint with a redacted recipient, or a report naming nobody: the key alone decides.
    return keyed ? [{ target: keyed, kind: event.kind === "complaint" ? "complaint" : "bounce_soft" }] : [];
  }
  const targets = await matchRecipients(ctx.db, ctx.mailboxId, keyed, emails, ctx.now);
  const out: Outcome[] = [];
  for (const recipient of event.recipients) {
    const target = targets.get(recipient.email);
    if (!target) continue;
    out.push({ target, kind: event.kind === "complaint" ? "complaint" : BOUNCE_EVENT[recipient.class], recipient });
  }
  return out;
}

function counterBump(campaignId: number, kind: CampaignEventKind, at: string) {
  const column = kind === "reply" ? "replies" : kind === "complaint" ? "complaints" : "bounced";
  const field = { replies: campaignCounters.replies, complaints: campaignCounters.complaints, bounced: campaignCounters.bounced }[column];
  return { column, field, at, campaignId };
}

/** Records one event; returns false when it had been recorded before. */
export async function recordEvent(ctx: RecordContext, event: SyncEvent, tally: SyncTally): Promise<boolean> {
  const { db, mailboxId } = ctx;
  const seen = await db
    .select({ id: imapMessages.id })
    .from(imapMessages)
    .where(and(eq(imapMessages.mailboxId, mailboxId), eq(imapMessages.key, event.key)))
    .limit(1);
  if (seen.length > 0) return false;

  const at = ctx.now.toISOString();
  const outcomes = await outcomesOf(ctx, event);
  const first = outcomes[0]?.target;
  const detail = JSON.stringify({
    from: event.from,
    subject: event.subject,
    feedback_type: event.feedback_type,
    recipients: event.recipients,
  });
  const statements: BatchItem<"sqlite">[] = [
    db
      .insert(imapMessages)
      .values({
        mailboxId,
        key: event.key,
        folder: event.folder,
        uid: event.uid,
        kind: event.kind,
        matched: outcomes.length > 0,
        campaignId: first?.campaignId ?? null,
        recipientId: first?.recipientId ?? null,
        detail,
        createdAt: at,
      })
      .onConflictDoNothing(),
  ];
  for (const o of outcomes) {
    statements.push(
      db
        .insert(campaignEvents)
        .values({
          campaignId: o.target.campaignId,
          recipientId: o.target.recipientId,
          kind: o.kind,
          detail: JSON.stringify(o.recipient ? { status: o.recipient.status, diagnostic: o.recipient.diagnostic, action: o.recipient.action } : {}),
          dedupeKey: `imap:${mailboxId}:${event.key}:${o.target.recipientId}:${o.kind}`,
          createdAt: at,
        })
        .onConflictDoNothing(),
    );
    if (o.kind !== "auto_reply" && o.kind !== "deferred") {
      const bump = counterBump(o.target.campaignId, o.kind, at);
      statements.push(
        db
          .insert(campaignCounters)
          .values({ campaignId: bump.campaignId, [bump.column]: 1, lastEventAt: at })
          .onConflictDoUpdate({ target: campaignCounters.campaignId, set: { [bump.column]: sql`${bump.field} + 1`, lastEventAt: at } }),
      );
    }
    const suppress: SuppressionReason | undefined = o.kind === "bounce_hard" ? "hard_bounce" : o.kind === "complaint" ? "complaint" : undefined;
    if (suppress) {
      statements.push(
        db
          .insert(suppressions)
          .values({ tenant: o.target.tenant, email: o.target.email, reason: suppress, sourceCampaignId: o.target.campaignId, createdAt: at })
          .onConflictDoNothing(),
      );
    }
  }
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);

  if (outcomes.length === 0) tally.unmatched += 1;
  for (const o of outcomes) {
    if (o.kind === "bounce_hard") tally.bounces.hard += 1;
    else if (o.kind === "bounce_soft") tally.bounces.soft += 1;
    else if (o.kind === "bounce_block") tally.bounces.block += 1;
    else if (o.kind === "deferred") tally.bounces.deferred += 1;
    else if (o.kind === "auto_reply") tally.auto_replies += 1;
    else if (o.kind === "reply") tally.replies += 1;
    else if (o.kind === "complaint") tally.complaints += 1;
    if (o.kind === "bounce_soft") await suppressRepeatedSoft(ctx, o.target);
    if (o.kind === "bounce_block") await flagBlock(ctx, o.target, o.recipient);
  }
  return true;
}

/** Keila's rule: the address goes when SOFT_SUPPRESS_COUNT of its last SOFT_WINDOW sends soft-bounced. */
async function suppressRepeatedSoft(ctx: RecordContext, target: MatchTarget): Promise<void> {
  const recent = await ctx.db
    .select({ id: campaignRecipients.id })
    .from(campaignRecipients)
    .innerJoin(campaigns, eq(campaigns.id, campaignRecipients.campaignId))
    .where(and(eq(campaigns.tenant, target.tenant), eq(campaignRecipients.email, target.email), sql`${campaignRecipients.sentAt} is not null`))
    .orderBy(desc(campaignRecipients.sentAt))
    .limit(SOFT_WINDOW);
  if (recent.length === 0) return;
  const [row] = await ctx.db
    .select({ n: sql<number>`count(distinct ${campaignEvents.recipientId})` })
    .from(campaignEvents)
    .where(and(eq(campaignEvents.kind, "bounce_soft"), inArray(campaignEvents.recipientId, recent.map((r) => r.id))));
  if ((row?.n ?? 0) < SOFT_SUPPRESS_COUNT) return;
  await ctx.db
    .insert(suppressions)
    .values({ tenant: target.tenant, email: target.email, reason: "soft_bounce", sourceCampaignId: target.campaignId, createdAt: ctx.now.toISOString() })
    .onConflictDoNothing();
}

/** Flags the mailbox and pauses the campaign once its sender-side blocks repeat; the recipient stays. */
async function flagBlock(ctx: RecordContext, target: MatchTarget, recipient: SyncRecipient | undefined): Promise<void> {
  const at = ctx.now.toISOString();
  const reason = `Provider refused this mailbox's mail (${recipient?.status ?? "5.7.x"}): ${recipient?.diagnostic ?? "policy/authentication block"}`.slice(0, 500);
  await ctx.db
    .insert(imapMailboxState)
    .values({ mailboxId: ctx.mailboxId, blockedAt: at, blockReason: reason, blockCount: 1 })
    .onConflictDoUpdate({
      target: imapMailboxState.mailboxId,
      set: { blockedAt: at, blockReason: reason, blockCount: sql`${imapMailboxState.blockCount} + 1` },
    });
  const [row] = await ctx.db
    .select({ n: sql<number>`count(*)` })
    .from(campaignEvents)
    .where(and(eq(campaignEvents.campaignId, target.campaignId), eq(campaignEvents.kind, "bounce_block")));
  if ((row?.n ?? 0) < BLOCK_PAUSE_COUNT) return;
  await ctx.db
    .update(campaigns)
    .set({ state: "paused", pauseReason: `Paused: repeated sender-side blocks. ${reason}`.slice(0, 500), updatedAt: at })
    .where(and(eq(campaigns.id, target.campaignId), eq(campaigns.state, "sending")));
}
