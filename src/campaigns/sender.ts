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
import { and, eq, gte, lte } from "drizzle-orm";
import { campaignRecipients, campaigns, type CampaignRecipientRow, type CampaignRow, type Db } from "../db";
import type { TokenCodec } from "../shared/tokens";
import { reserveSendBudget } from "./budget";
import { MAX_SEND_ATTEMPTS, RETRY_BASE_SECONDS, RETRY_MAX_SECONDS, SEND_LEASE_SECONDS } from "./constants";
import type { MailboxCredentials } from "./mailboxes";
import { renderMessage, type RenderedMessage } from "./render";
import { SmtpConnectionError, SmtpReplyError, type SmtpEnvelope, type SmtpReply } from "./smtp-session";
import { suppressedAmong } from "./suppressions";
import {
  claimUpdate,
  finishIfDone,
  pauseCampaign,
  resultUpdate,
  settleStaleClaims,
  skipSuppressed,
} from "./transitions";

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

/**
 * The last delivery of a chunk that still wants a retry pauses its campaign instead of letting the
 * queue dead-letter it (which would leave the campaign `sending` forever); resume re-enqueues it.
 */
export async function giveUpOnChunk(ports: SenderPorts, chunk: SendChunk, attempts: number): Promise<void> {
  const campaign = await ports.db.query.campaigns.findFirst({ where: eq(campaigns.id, chunk.campaign_id) });
  if (!campaign || campaign.runId !== chunk.run_id) return;
  await pauseCampaign(
    ports.db,
    campaign,
    `a send chunk still failed after ${attempts} deliveries (SMTP unreachable or refusing); check the mailbox with verify, then resume`,
    ports.now(),
  );
}

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
  tally.retryDelay = await settleStaleClaims(db, rows, now);

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
    let outcome: ChunkOutcome | null;
    try {
      outcome = await sendRows(ports, campaign, mailbox, sendable.slice(0, budget.granted), tally);
    } finally {
      // Even when the chunk fails later, what went out gets its Sent-folder copy.
      if (tally.sent.length > 0) await appendSentCopies(ports, tally.sent);
    }
    if (outcome) return outcome;
  }
  await finishIfDone(db, campaign, ports.now());
  return tally.retryDelay > 0 ? { action: "retry", delaySeconds: tally.retryDelay } : { action: "ack" };
}

/** A row rendered and claimed ahead of its SMTP transaction; `attempts` is null when the claim lost. */
interface Prepared {
  row: CampaignRecipientRow;
  message: RenderedMessage;
  attempts: number | null;
}

type Pending = ReturnType<typeof resultUpdate>;

/**
 * Sends over one connection; returns an outcome when the chunk must stop early. Pipelined: while
 * message i is on the wire, message i+1 is rendered and claimed in the same D1 batch that records
 * the result of message i−1, so a message costs max(SMTP, D1 + render) instead of their sum. The
 * price: if the isolate is killed outright during message i, row i+1 is claimed without having been
 * attempted and ends `failed` (outcome unknown) with i; every path that still runs code (errors
 * included) hands that claim back.
 */
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
  const prepare = async (row: CampaignRecipientRow, pending: Pending | null): Promise<Prepared> => {
    const message = await renderMessage(
      { campaign, mailbox: mailbox.row, codec: ports.codec, baseUrl: ports.baseUrl, now: ports.now() },
      { id: row.id, email: row.email, name: row.name, meta: JSON.parse(row.meta) as Record<string, unknown>, token: row.token },
    );
    const claim = claimUpdate(db, campaign, row.id, ports.now());
    const results = pending ? await db.batch([pending, claim]) : [await claim];
    const claimed = results.at(-1) as Array<{ attempts: number }>;
    return { row, message, attempts: claimed[0]?.attempts ?? null };
  };
  /** Gives an unattempted claim back (attempts restored) so the row is sent later. */
  const release = async (prepared: Promise<Prepared> | null): Promise<void> => {
    const p = await prepared?.catch(() => null);
    if (p?.attempts != null) await resultUpdate(db, p.row.id, { state: "queued", attempts: p.attempts - 1, error: null });
  };

  let pending: Pending | null = null;
  // Prefetches are awaited later; a no-op handler keeps an early rejection from being reported as unhandled.
  const ahead = (promise: Promise<Prepared>): Promise<Prepared> => {
    promise.catch(() => undefined);
    return promise;
  };
  let next: Promise<Prepared> | null = ahead(prepare(rows[0]!, null));
  try {
    for (let i = 0; i < rows.length; i++) {
      const current: Prepared = await next!;
      next = null;
      if (current.attempts === null) {
        // Taken by another delivery, or the campaign was paused/cancelled: stop if the latter.
        const now = await db.query.campaigns.findFirst({ where: eq(campaigns.id, campaign.id) });
        if (now?.state !== "sending" || now.runId !== campaign.runId) return { action: "ack" };
        if (i + 1 < rows.length) next = ahead(prepare(rows[i + 1]!, takePending()));
        continue;
      }
      const { row, message, attempts } = current;
      const sending = transport.send({ from: mailbox.row.fromEmail, to: row.email, envelopeId: message.envelopeId, raw: message.raw });
      if (i + 1 < rows.length) next = ahead(prepare(rows[i + 1]!, takePending()));
      try {
        await sending;
        await record(resultUpdate(db, row.id, { state: "sent", messageId: message.messageId, sentAt: ports.now().toISOString(), error: null }));
        tally.sent.push({ copy: sentCopy(campaign, row, message), raw: message.raw });
      } catch (err) {
        if (err instanceof SmtpReplyError) {
          if (isPauseWorthy(err.reply, err.stage)) {
            // Not the recipient's fault: give the attempt back and stop the whole campaign.
            await resultUpdate(db, row.id, { state: "queued", attempts: attempts! - 1, error: null });
            await release(next);
            next = null;
            await pauseCampaign(db, campaign, `SMTP ${err.stage} refused: ${err.message}`, ports.now());
            return { action: "ack" };
          }
          const temporary = err.reply.code < 500;
          if (temporary && attempts! < MAX_SEND_ATTEMPTS) {
            await record(resultUpdate(db, row.id, { state: "queued", error: err.message }));
            tally.retryDelay = Math.max(tally.retryDelay, backoff(attempts!));
          } else {
            await record(resultUpdate(db, row.id, { state: "failed", error: err.message }));
          }
          continue;
        }
        if (err instanceof SmtpConnectionError) {
          // Before the final "." nothing was accepted: put the row back. After it, leave the claim to lapse.
          if (!err.maybeDelivered) await resultUpdate(db, row.id, { state: "queued", attempts: attempts! - 1, error: null });
          await release(next);
          next = null;
          return { action: "retry", delaySeconds: err.maybeDelivered ? SEND_LEASE_SECONDS : backoff(attempts!) };
        }
        throw err;
      }
    }
    return null;
  } finally {
    // An unexpected error still runs this: the prefetched, unattempted claim goes back to the queue.
    await release(next);
    if (pending) await pending;
    await transport.close();
  }

  /** Holds a result for the next claim batch; one not yet handed over is written first. */
  async function record(update: Pending): Promise<void> {
    if (pending) await pending;
    pending = update;
  }

  function takePending(): Pending | null {
    const taken = pending;
    pending = null;
    return taken;
  }
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
