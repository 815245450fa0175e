/**
 * The `send`, `pause`, `resume`, `cancel` and `status` actions. `send` flips the campaign to
 * `sending` with a new run id and enqueues chunks of recipient ids; it returns at once. `dry_run`
 * renders without sending; `test_to` sends one real rendering to one address.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { Marked } from "marked";
import {
  campaignCounters,
  campaignLinks,
  campaignRecipients,
  campaigns,
  type CampaignRow,
  type CampaignState,
  type Db,
} from "../db";
import { AppError } from "../shared/errors";
import { randomToken } from "../shared/ids";
import type { TokenCodec } from "../shared/tokens";
import { nowIso } from "../shared/time";
import { normaliseEmail } from "./address";
import { getCampaignRow } from "./campaigns";
import { DRY_RUN_RENDERINGS, QUEUE_BATCH_MAX, SEND_CHUNK_SIZE, STATUS_ERROR_SAMPLE } from "./constants";
import type { MailboxCredentials } from "./mailboxes";
import { renderMessage, type RenderRecipient } from "./render";
import type { SendChunk, Transport } from "./sender";
import { finishIfDone } from "./transitions";
import { SmtpConnectionError, SmtpReplyError } from "./smtp-session";

export interface SendPorts {
  db: Db;
  codec: TokenCodec;
  baseUrl: string;
  enqueue(chunks: SendChunk[]): Promise<void>;
  loadMailbox(id: number): Promise<MailboxCredentials>;
  openTransport(mailbox: MailboxCredentials): Promise<Transport>;
}

export interface Rendering {
  to: string;
  subject: string;
  headers: Array<{ name: string; value: string }>;
  html: string;
  text: string;
}

export async function sendCampaign(
  ports: SendPorts,
  input: { campaign_id: number; dry_run?: boolean; test_to?: string },
): Promise<object> {
  const campaign = await getCampaignRow(ports.db, input.campaign_id);
  if (input.dry_run) return dryRun(ports, campaign);
  if (input.test_to !== undefined) return sendTest(ports, campaign, input.test_to);
  if (campaign.state !== "draft") {
    throw new AppError(
      "CONFLICT",
      campaign.state === "paused"
        ? `Campaign ${campaign.id} is paused; call resume to continue it.`
        : `Campaign ${campaign.id} is ${campaign.state}; only a draft can be sent (clone it to send again).`,
      { campaign_id: campaign.id, state: campaign.state },
    );
  }
  await ports.loadMailbox(campaign.mailboxId);
  await recordLinks(ports.db, campaign);
  return startRun(ports, campaign, "draft");
}

export async function resumeCampaign(ports: SendPorts, campaignId: number): Promise<object> {
  const campaign = await getCampaignRow(ports.db, campaignId);
  if (campaign.state !== "paused") {
    throw new AppError("CONFLICT", `Campaign ${campaignId} is ${campaign.state}; only a paused campaign resumes.`, {
      campaign_id: campaignId,
      state: campaign.state,
    });
  }
  return startRun(ports, campaign, "paused");
}

async function startRun(ports: SendPorts, campaign: CampaignRow, from: CampaignState): Promise<object> {
  const { db } = ports;
  const pendingIds = (
    await db
      .select({ id: campaignRecipients.id })
      .from(campaignRecipients)
      .where(and(eq(campaignRecipients.campaignId, campaign.id), inArray(campaignRecipients.state, ["queued", "sending"])))
      .orderBy(asc(campaignRecipients.id))
  ).map((r) => r.id);
  if (pendingIds.length === 0 && from === "draft") {
    throw new AppError("INVALID_ARGUMENT", `Campaign ${campaign.id} has no recipients to send to; add some with post_recipients.`, {
      campaign_id: campaign.id,
    });
  }
  const now = nowIso();
  const [started] = await db
    .update(campaigns)
    .set({
      state: "sending",
      runId: sql`${campaigns.runId} + 1`,
      pauseReason: null,
      startedAt: campaign.startedAt ?? now,
      updatedAt: now,
    })
    .where(and(eq(campaigns.id, campaign.id), eq(campaigns.state, from)))
    .returning();
  if (!started) {
    throw new AppError("CONFLICT", `Campaign ${campaign.id} changed state meanwhile; call status and try again.`, {
      campaign_id: campaign.id,
    });
  }
  const chunks: SendChunk[] = [];
  for (let i = 0; i < pendingIds.length; i += SEND_CHUNK_SIZE) {
    chunks.push({ campaign_id: campaign.id, run_id: started.runId, recipient_ids: pendingIds.slice(i, i + SEND_CHUNK_SIZE) });
  }
  for (let i = 0; i < chunks.length; i += QUEUE_BATCH_MAX) await ports.enqueue(chunks.slice(i, i + QUEUE_BATCH_MAX));
  if (chunks.length === 0) await finishIfDone(db, started, new Date());
  return { campaign_id: campaign.id, state: "sending", queued: pendingIds.length, chunks: chunks.length };
}

export async function pauseCampaignByRequest(db: Db, campaignId: number): Promise<object> {
  const [row] = await db
    .update(campaigns)
    .set({ state: "paused", pauseReason: "paused by request", updatedAt: nowIso() })
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.state, "sending")))
    .returning();
  if (!row) {
    const current = await getCampaignRow(db, campaignId);
    throw new AppError("CONFLICT", `Campaign ${campaignId} is ${current.state}; only a sending campaign pauses.`, {
      campaign_id: campaignId,
      state: current.state,
    });
  }
  return { campaign_id: campaignId, state: "paused" };
}

export async function cancelCampaign(db: Db, campaignId: number): Promise<object> {
  const [row] = await db
    .update(campaigns)
    .set({ state: "cancelled", finishedAt: nowIso(), updatedAt: nowIso() })
    .where(and(eq(campaigns.id, campaignId), inArray(campaigns.state, ["draft", "sending", "paused"])))
    .returning();
  if (!row) {
    const current = await getCampaignRow(db, campaignId);
    throw new AppError("CONFLICT", `Campaign ${campaignId} is already ${current.state}.`, {
      campaign_id: campaignId,
      state: current.state,
    });
  }
  return { campaign_id: campaignId, state: "cancelled" };
}

export async function campaignStatus(db: Db, campaignId: number): Promise<object> {
  const campaign = await getCampaignRow(db, campaignId);
  const counts = await db
    .select({ state: campaignRecipients.state, n: sql<number>`count(*)` })
    .from(campaignRecipients)
    .where(eq(campaignRecipients.campaignId, campaignId))
    .groupBy(campaignRecipients.state);
  const by = Object.fromEntries(counts.map((c) => [c.state, Number(c.n)])) as Record<string, number | undefined>;
  const counters = await db.query.campaignCounters.findFirst({ where: eq(campaignCounters.campaignId, campaignId) });
  const errors = await db
    .select({ email: campaignRecipients.email, error: campaignRecipients.error })
    .from(campaignRecipients)
    .where(and(eq(campaignRecipients.campaignId, campaignId), eq(campaignRecipients.state, "failed")))
    .orderBy(asc(campaignRecipients.id))
    .limit(STATUS_ERROR_SAMPLE);
  const total = counts.reduce((sum, c) => sum + Number(c.n), 0);
  const sent = by.sent ?? 0;
  const failed = by.failed ?? 0;
  const skipped = by.skipped ?? 0;
  return {
    campaign_id: campaignId,
    state: campaign.state,
    pause_reason: campaign.pauseReason,
    total,
    queued: (by.queued ?? 0) + (by.sending ?? 0),
    sent,
    failed,
    skipped,
    suppressed: skipped,
    opened: counters?.openedUnique ?? 0,
    opened_total: counters?.openedTotal ?? 0,
    clicked: counters?.clickedUnique ?? 0,
    clicked_total: counters?.clickedTotal ?? 0,
    bounced: counters?.bounced ?? 0,
    unsubscribed: counters?.unsubscribed ?? 0,
    complaints: counters?.complaints ?? 0,
    replies: counters?.replies ?? 0,
    last_event_at: counters?.lastEventAt ?? null,
    started_at: campaign.startedAt,
    finished_at: campaign.finishedAt,
    errors: errors.map((e) => ({ email: e.email, error: e.error ?? "" })),
    summary:
      campaign.state === "done" || campaign.state === "cancelled"
        ? `${campaign.state === "done" ? "Finished" : "Cancelled"}: ${sent} of ${total} sent, ${failed} failed, ${skipped} skipped (suppressed).`
        : null,
  };
}

/** Distinct template links in document order, recorded once per send for the tracking side. */
async function recordLinks(db: Db, campaign: CampaignRow): Promise<void> {
  if (!campaign.trackClicks) return;
  const marked = new Marked();
  const urls = new Set<string>();
  marked.walkTokens(marked.lexer(campaign.templateMarkdown), (t) => {
    if (t.type === "link" && /^https?:/i.test(t.href)) urls.add(t.href);
  });
  await db.delete(campaignLinks).where(eq(campaignLinks.campaignId, campaign.id));
  const rows = [...urls].map((url, linkIndex) => ({ campaignId: campaign.id, linkIndex, url }));
  for (let i = 0; i < rows.length; i += 30) await db.insert(campaignLinks).values(rows.slice(i, i + 30));
}

function toRendering(message: Awaited<ReturnType<typeof renderMessage>>): Rendering {
  return {
    to: message.to,
    subject: message.subject,
    headers: message.headers.map(([name, value]) => ({ name, value })),
    html: message.html,
    text: message.text,
  };
}

async function sampleRecipients(db: Db, campaignId: number, limit: number): Promise<RenderRecipient[]> {
  const rows = await db
    .select()
    .from(campaignRecipients)
    .where(eq(campaignRecipients.campaignId, campaignId))
    .orderBy(asc(campaignRecipients.id))
    .limit(limit);
  if (rows.length === 0) return [{ id: 0, email: "recipient@example.com", name: "Example Recipient", meta: {}, token: randomToken(16) }];
  return rows.map((r) => ({ id: r.id, email: r.email, name: r.name, meta: JSON.parse(r.meta) as Record<string, unknown>, token: r.token }));
}

async function dryRun(ports: SendPorts, campaign: CampaignRow): Promise<object> {
  const mailbox = await ports.loadMailbox(campaign.mailboxId);
  const recipients = await sampleRecipients(ports.db, campaign.id, DRY_RUN_RENDERINGS);
  const renderings = await Promise.all(
    recipients.map((r) => renderMessage({ campaign, mailbox: mailbox.row, codec: ports.codec, baseUrl: ports.baseUrl, now: new Date() }, r)),
  );
  return { campaign_id: campaign.id, dry_run: true, renderings: renderings.map(toRendering) };
}

/** One real message to `test_to`, rendered with the first recipient's data; its own Message-ID. */
async function sendTest(ports: SendPorts, campaign: CampaignRow, testTo: string): Promise<object> {
  const to = normaliseEmail(testTo);
  if (!to) throw new AppError("INVALID_ARGUMENT", "test_to must be a plain email address.", { field: "test_to" });
  const mailbox = await ports.loadMailbox(campaign.mailboxId);
  const [sample] = await sampleRecipients(ports.db, campaign.id, 1);
  const message = await renderMessage(
    { campaign, mailbox: mailbox.row, codec: ports.codec, baseUrl: ports.baseUrl, now: new Date() },
    { ...sample!, id: 0, email: to, token: randomToken(16) },
  );
  let transport: Transport | undefined;
  try {
    transport = await ports.openTransport(mailbox);
    const reply = await transport.send({ from: mailbox.row.fromEmail, to, envelopeId: message.envelopeId, raw: message.raw });
    return { campaign_id: campaign.id, test_to: to, sent: true, message_id: message.messageId, smtp_reply: `${reply.code} ${reply.text}` };
  } catch (err) {
    if (err instanceof SmtpReplyError || err instanceof SmtpConnectionError) {
      throw new AppError("UNAVAILABLE", `The test message was not sent: ${err.message}. Check the mailbox with mailboxes verify.`, {
        campaign_id: campaign.id,
      });
    }
    throw err;
  } finally {
    await transport?.close();
  }
}
