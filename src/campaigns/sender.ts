/**
 * Sends one chunk of a campaign over one SMTP connection, exactly once per recipient.
 *
 * Each recipient row moves `queued → sending → sent | failed | skipped` by conditional UPDATEs:
 * the claim succeeds only if the row is still `queued` and the campaign is still `sending` in the
 * same run, so a redelivered or concurrent chunk never sends twice, and pause/cancel stop a chunk
 * between two messages. The result of message i is written in the same D1 batch as the claim of
 * message i+1 (one round trip per message). A row is `sending` only while its SMTP transaction
 * runs; if the worker dies inside that window the outcome is unknown, and after SEND_LEASE_SECONDS
 * the row becomes `failed` ("outcome unknown") rather than risk a duplicate.
 *
 * The sender depends on ports (store = D1, transport, clock, queues) so tests can inject faults.
 */
import { and, eq, gte, lte, sql } from "drizzle-orm";
import { campaignRecipients, campaigns, type CampaignRecipientRow, type CampaignRow, type Db } from "../db";
import type { TokenCodec } from "../shared/tokens";
import { reserveSendBudget } from "./budget";
import { MAX_SEND_ATTEMPTS, RETRY_BASE_SECONDS, RETRY_MAX_SECONDS, SEND_LEASE_SECONDS } from "./constants";
import type { MailboxCredentials } from "./mailboxes";
import { renderMessage, type RenderedMessage } from "./render";
import { SmtpConnectionError, SmtpReplyError, type SmtpEnvelope, type SmtpReply } from "./smtp-session";
import { suppressedAmong } from "./suppressions";

/** The body of a `send-queue` message. */
export interface SendChunk {
  campaign_id: number;
  run_id: number;
  recipient_ids: number[];
}

/** The body of a `sent-append` message for the sidecar (IMAP APPEND to the Sent folder, \Seen). */
export interface SentCopy {
  mailbox_id: number;
  campaign_id: number;
  recipient_id: number;
  message_id: string;
  /** The exact bytes sent, or absent when stored in R2 under `r2_key`. */
  raw?: string;
  r2_key?: string;
}

export interface Transport {
  send(envelope: SmtpEnvelope): Promise<SmtpReply>;
  close(): Promise<void>;
}

export interface SenderPorts {
  db: Db;
  codec: TokenCodec;
  baseUrl: string;
  now(): Date;
  loadMailbox(id: number): Promise<MailboxCredentials>;
  openTransport(mailbox: MailboxCredentials): Promise<Transport>;
  /** Schedules (part of) a chunk again, e.g. when the mailbox's rate budget is used up. */
  requeue(chunk: SendChunk, delaySeconds: number): Promise<void>;
  appendSent(copies: SentCopy[], raws: string[]): Promise<void>;
}

export type ChunkOutcome = { action: "ack" } | { action: "retry"; delaySeconds: number };

interface Tally {
  retryDelay: number;
  sent: Array<{ copy: SentCopy; raw: string }>;
}

export async function processSendChunk(ports: SenderPorts, chunk: SendChunk): Promise<ChunkOutcome> {
  const { db } = ports;
  const campaign = await db.query.campaigns.findFirst({ where: eq(campaigns.id, chunk.campaign_id) });
  if (!campaign || campaign.state !== "sending" || campaign.runId !== chunk.run_id) return { action: "ack" };
  if (chunk.recipient_ids.length === 0) return { action: "ack" };

  // An id range keeps the statement at three parameters (D1 caps them at 100); the set filters it.
  const wanted = new Set(chunk.recipient_ids);
  const rows = (
    await db
      .select()
      .from(campaignRecipients)
      .where(
        and(
          eq(campaignRecipients.campaignId, campaign.id),
          gte(campaignRecipients.id, Math.min(...chunk.recipient_ids)),
          lte(campaignRecipients.id, Math.max(...chunk.recipient_ids)),
        ),
      )
  ).filter((r) => wanted.has(r.id));
  const now = ports.now();
  const tally: Tally = { retryDelay: 0, sent: [] };
  await settleStaleClaims(ports, rows, now, tally);

  const queued = rows.filter((r) => r.state === "queued").sort((a, b) => a.id - b.id);
  const suppressed = await suppressedAmong(db, queued.map((r) => r.email));
  if (suppressed.size > 0) await skipSuppressed(db, queued, suppressed, now);
  const sendable = queued.filter((r) => !suppressed.has(r.email));

  if (sendable.length > 0) {
    const mailbox = await ports.loadMailbox(campaign.mailboxId);
    const budget = await reserveSendBudget(db, mailbox.row, sendable.length, now);
    const later = sendable.slice(budget.granted);
    if (later.length > 0) {
      await ports.requeue({ ...chunk, recipient_ids: later.map((r) => r.id) }, Math.max(1, budget.retryAfterSeconds));
    }
    const outcome = await sendRows(ports, campaign, mailbox, sendable.slice(0, budget.granted), tally);
    if (tally.sent.length > 0) await appendSentCopies(ports, tally.sent);
    if (outcome) return outcome;
  }
  await finishIfDone(db, campaign, ports.now());
  return tally.retryDelay > 0 ? { action: "retry", delaySeconds: tally.retryDelay } : { action: "ack" };
}

/** Sends over one connection; returns an outcome when the chunk must stop early. */
async function sendRows(
  ports: SenderPorts,
  campaign: CampaignRow,
  mailbox: MailboxCredentials,
  rows: CampaignRecipientRow[],
  tally: Tally,
): Promise<ChunkOutcome | null> {
  if (rows.length === 0) return null;
  const { db } = ports;
  let transport: Transport;
  try {
    transport = await ports.openTransport(mailbox);
  } catch (err) {
    if (err instanceof SmtpReplyError && isPauseWorthy(err.reply, err.stage)) {
      await pauseCampaign(db, campaign, `SMTP ${err.stage} failed: ${err.message}`, ports.now());
      return { action: "ack" };
    }
    if (err instanceof SmtpReplyError || err instanceof SmtpConnectionError) {
      return { action: "retry", delaySeconds: backoff(1) };
    }
    throw err;
  }
  let pending: ReturnType<typeof resultUpdate> | null = null;
  try {
    for (const row of rows) {
      const message = await renderMessage(
        { campaign, mailbox: mailbox.row, codec: ports.codec, baseUrl: ports.baseUrl, now: ports.now() },
        { id: row.id, email: row.email, name: row.name, meta: JSON.parse(row.meta) as Record<string, unknown>, token: row.token },
      );
      const claim = claimUpdate(db, campaign, row.id, ports.now());
      const results = pending ? await db.batch([pending, claim]) : [await claim];
      pending = null;
      const claimed = results.at(-1) as Array<{ attempts: number }>;
      if (claimed.length === 0) {
        // Taken by another delivery, or the campaign was paused/cancelled: stop if the latter.
        const current = await db.query.campaigns.findFirst({ where: eq(campaigns.id, campaign.id) });
        if (current?.state !== "sending" || current.runId !== campaign.runId) return { action: "ack" };
        continue;
      }
      const attempts = claimed[0]!.attempts;
      try {
        await transport.send({ from: mailbox.row.fromEmail, to: row.email, envelopeId: message.envelopeId, raw: message.raw });
        pending = resultUpdate(db, row.id, { state: "sent", messageId: message.messageId, sentAt: ports.now().toISOString(), error: null });
        tally.sent.push({ copy: sentCopy(campaign, row, message), raw: message.raw });
      } catch (err) {
        if (err instanceof SmtpReplyError) {
          if (isPauseWorthy(err.reply, err.stage)) {
            // Not the recipient's fault: give the attempt back and stop the whole campaign.
            await resultUpdate(db, row.id, { state: "queued", attempts: attempts - 1, error: null });
            await pauseCampaign(db, campaign, `SMTP ${err.stage} refused: ${err.message}`, ports.now());
            return { action: "ack" };
          }
          const temporary = err.reply.code < 500;
          if (temporary && attempts < MAX_SEND_ATTEMPTS) {
            pending = resultUpdate(db, row.id, { state: "queued", error: err.message });
            tally.retryDelay = Math.max(tally.retryDelay, backoff(attempts));
          } else {
            pending = resultUpdate(db, row.id, { state: "failed", error: err.message });
          }
          continue;
        }
        if (err instanceof SmtpConnectionError) {
          // Before the final "." nothing was accepted: put the row back. After it, leave the claim to lapse.
          if (!err.maybeDelivered) await resultUpdate(db, row.id, { state: "queued", attempts: attempts - 1, error: null });
          return { action: "retry", delaySeconds: err.maybeDelivered ? SEND_LEASE_SECONDS : backoff(attempts) };
        }
        throw err;
      }
    }
    return null;
  } finally {
    if (pending) await pending;
    await transport.close();
  }
}

function claimUpdate(db: Db, campaign: CampaignRow, recipientId: number, now: Date) {
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

function resultUpdate(
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

/** Claims whose lease lapsed belong to a worker that died mid-transaction: failed, never resent. */
async function settleStaleClaims(ports: SenderPorts, rows: CampaignRecipientRow[], now: Date, tally: Tally): Promise<void> {
  for (const row of rows.filter((r) => r.state === "sending")) {
    const lease = row.leaseUntil ? Date.parse(row.leaseUntil) : 0;
    if (lease > now.getTime()) {
      tally.retryDelay = Math.max(tally.retryDelay, Math.ceil((lease - now.getTime()) / 1000));
      continue;
    }
    await ports.db
      .update(campaignRecipients)
      .set({
        state: "failed",
        error: "delivery outcome unknown: the sender stopped during the SMTP transaction; not resent to avoid a duplicate",
        leaseUntil: null,
        updatedAt: now.toISOString(),
      })
      .where(and(eq(campaignRecipients.id, row.id), eq(campaignRecipients.state, "sending"), eq(campaignRecipients.leaseUntil, row.leaseUntil ?? "")));
  }
}

async function skipSuppressed(
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

/**
 * Auth failures and provider quotas (Gmail "550 5.4.5 Daily user sending limit exceeded") are not
 * the recipient's fault: pausing beats failing every remaining recipient.
 */
export function isPauseWorthy(reply: SmtpReply, stage: SmtpReplyError["stage"]): boolean {
  if (stage === "auth" || [530, 534, 535, 538].includes(reply.code)) return true;
  if (reply.enhanced === "5.4.5" || reply.enhanced === "5.7.8" || reply.enhanced === "4.7.8") return true;
  return /(daily|hourly|sending) (user )?(sending )?(limit|quota)|quota exceeded|limit exceeded/i.test(reply.text);
}

async function pauseCampaign(db: Db, campaign: CampaignRow, reason: string, now: Date): Promise<void> {
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

function sentCopy(campaign: CampaignRow, row: CampaignRecipientRow, message: RenderedMessage): SentCopy {
  return { mailbox_id: campaign.mailboxId, campaign_id: campaign.id, recipient_id: row.id, message_id: message.messageId };
}

/** Best effort: a lost Sent-folder copy must not make the chunk retry (the sends are done). */
async function appendSentCopies(ports: SenderPorts, sent: Tally["sent"]): Promise<void> {
  try {
    await ports.appendSent(sent.map((s) => s.copy), sent.map((s) => s.raw));
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: "sent-append enqueue failed", count: sent.length, error: String(err) }));
  }
}

export function backoff(attempt: number): number {
  return Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.max(0, attempt - 1));
}
