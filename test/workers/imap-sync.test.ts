/**
 * IMAP sync end to end inside workerd: a campaign really sent to the SMTP sink, Sent copies appended to
 * dovecot through the sent-append consumer and the sidecar, DSNs/auto-replies/replies APPENDed to the
 * bounce folder, then `syncMailbox` and the cron: hard suppressed, soft not, block pauses, auto-reply
 * neither bounce nor reply, reply counted in status, a re-run records nothing, a dead sidecar fails per
 * mailbox and the next run catches up.
 */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
} from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import {
  campaignStatus,
  importRecipients,
  listRecipients,
  processSendChunk,
  sendCampaign,
  senderPorts,
  sendPorts,
  type SendChunk,
  type SentCopy,
} from "../../src/campaigns";
import { campaignRecipients, campaigns, imapCheckpoints, imapMailboxState, imapMessages, suppressions, type Db } from "../../src/db";
import { sidecarClient, syncAllMailboxes, syncMailbox } from "../../src/imap";
import worker from "../../src/index";
import type { AppendResponse, SyncResponse } from "../../src/sidecar/protocol";
import { headerOf, sinkCampaign, sinkMessagesFor, testDb, uniqueDomain } from "./campaign-fixtures";

const { imap } = inject("mailServers");
const account = { host: imap.host, port: imap.port, security: "none" as const, username: imap.user, password: imap.password };
const DEAD_SIDECAR = "http://127.0.0.1:9";

interface Sent {
  email: string;
  messageId: string;
  token: string;
  raw: string;
}

/** A mailbox with its own Sent and bounce folders, a campaign sent to `names` at a fresh domain. */
async function sentCampaign(db: Db, names: string[]) {
  const suffix = crypto.randomUUID().slice(0, 8);
  const domain = uniqueDomain("sync");
  const campaign = await sinkCampaign(db, {}, { sent_folder: `Sent-${suffix}`, bounce_folder: `Bounces-${suffix}` });
  await importRecipients(db, campaign.id, names.map((n) => `${n}@${domain}`));
  const chunks: SendChunk[] = [];
  await sendCampaign({ ...(await sendPorts(env, db)), enqueue: async (c: SendChunk[]) => void chunks.push(...c) }, { campaign_id: campaign.id });
  const copies: SentCopy[] = [];
  const ports = { ...(await senderPorts(env, db)), appendSent: async (c: SentCopy[], raws: string[]) => void copies.push(...c.map((x, i) => ({ ...x, raw: raws[i]! }))) };
  for (const chunk of chunks) await processSendChunk(ports, chunk);
  const sent: Sent[] = (await sinkMessagesFor(domain)).map((m) => ({
    email: m.rcptTo[0]!,
    messageId: headerOf(m.raw, "Message-ID")!,
    token: headerOf(m.raw, "X-Pigeonhole-Msg")!,
    raw: m.raw,
  }));
  const by = (name: string) => sent.find((s) => s.email === `${name}@${domain}`)!;
  return { campaign, domain, copies, sent, by, sentFolder: `Sent-${suffix}`, bounceFolder: `Bounces-${suffix}` };
}

function dsn(to: Sent, status: string, action = "failed", diagnostic = `smtp; 550 ${status} rejected`): { message_id: string; raw: string } {
  const id = `dsn-${crypto.randomUUID()}@mx.test`;
  return {
    message_id: id,
    raw: [
      "From: MAILER-DAEMON@mx.test (Mail Delivery System)",
      "To: news@sender.example",
      "Subject: Undelivered Mail Returned to Sender",
      `Message-ID: <${id}>`,
      "Auto-Submitted: auto-replied",
      "MIME-Version: 1.0",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      "",
      "--B",
      "Content-Type: text/plain",
      "",
      "Your message could not be delivered.",
      "--B",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.test",
      `Original-Envelope-Id: ${to.token}`,
      "",
      `Final-Recipient: rfc822; ${to.email}`,
      `Action: ${action}`,
      `Status: ${status}`,
      `Diagnostic-Code: ${diagnostic}`,
      "",
      "--B",
      "Content-Type: text/rfc822-headers",
      "",
      `Message-ID: ${to.messageId}`,
      `X-Pigeonhole-Msg: ${to.token}`,
      "",
      "--B--",
      "",
    ].join("\r\n"),
  };
}

function answer(to: Sent, subject: string, extra: string[] = []): { message_id: string; raw: string } {
  const id = `reply-${crypto.randomUUID()}@client.test`;
  return {
    message_id: id,
    raw: [`From: <${to.email}>`, "To: news@sender.example", `Subject: ${subject}`, `Message-ID: <${id}>`, `In-Reply-To: ${to.messageId}`, ...extra, "", "Thanks!", ""].join("\r\n"),
  };
}

async function drop(folder: string, messages: { message_id: string; raw: string }[]): Promise<void> {
  await sidecarClient(env).call<AppendResponse>("/append", { account, folder, messages });
}

async function folderCount(folder: string): Promise<number> {
  const res = await sidecarClient(env).call<SyncResponse>("/sync", { account, folders: [{ path: folder }] });
  return res.folders[0]!.scanned;
}

async function deliverCopies(copies: SentCopy[], attempt: number, runEnv: Env = env) {
  const batch = createMessageBatch<SentCopy>(
    "sent-append",
    copies.map((body, i) => ({ id: `copy-${i}-${attempt}`, timestamp: new Date(), attempts: attempt, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, runEnv, ctx);
  return getQueueResult(batch, ctx);
}

describe("sent-append consumer", () => {
  it("appends every sent copy to the mailbox's Sent folder once, even when redelivered", async () => {
    const db = testDb();
    const run = await sentCampaign(db, ["ada", "bob", "cy"]);
    expect(run.copies).toHaveLength(3);
    const first = await deliverCopies(run.copies, 1);
    expect(first.explicitAcks).toHaveLength(3);
    expect(await folderCount(run.sentFolder)).toBe(3);
    const again = await deliverCopies(run.copies, 2);
    expect(again.explicitAcks).toHaveLength(3);
    expect(await folderCount(run.sentFolder)).toBe(3);
  });

  it("retries a body that does not match the contract (it ends in the DLQ)", async () => {
    const result = await deliverCopies([{ nope: true } as unknown as SentCopy], 1);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.explicitAcks).toHaveLength(0);
  });

  it("retries every copy when the sidecar is down", async () => {
    const db = testDb();
    const run = await sentCampaign(db, ["dee"]);
    const result = await deliverCopies(run.copies, 1, { ...env, SIDECAR_URL: DEAD_SIDECAR });
    expect(result.retryMessages).toHaveLength(1);
    expect(result.explicitAcks).toHaveLength(0);
  });
});

describe("syncMailbox", () => {
  it("applies hard/soft/block/auto-reply/reply rules once, and a second sync changes nothing", async () => {
    const db = testDb();
    const run = await sentCampaign(db, ["hard", "soft", "blocked", "away", "human", "other"]);
    // The campaign is still sending when the blocks arrive, so repeated blocks must pause it.
    await db.update(campaigns).set({ state: "sending" }).where(eq(campaigns.id, run.campaign.id));
    await drop(run.bounceFolder, [
      dsn(run.by("hard"), "5.1.1"),
      dsn(run.by("soft"), "5.2.2", "failed", "smtp; 552 5.2.2 Mailbox full"),
      dsn(run.by("blocked"), "5.7.515", "failed", "smtp; 550 5.7.515 Access denied, sending domain does not meet the required authentication level"),
      dsn(run.by("other"), "5.7.1", "failed", "smtp; 550 5.7.1 blocked using block list"),
      dsn(run.by("other"), "4.4.1", "delayed", "smtp; connection timed out"),
      answer(run.by("away"), "Automatic reply: Hello", ["Auto-Submitted: auto-replied"]),
      answer(run.by("human"), "Re: Hello"),
      answer({ ...run.by("human"), messageId: "<not-ours@elsewhere.test>", email: "stranger@elsewhere.test" }, "Re: something else"),
    ]);

    const summary = await syncMailbox(env, db, run.campaign.mailbox_id);
    expect(summary).toMatchObject({
      bounces: { hard: 1, soft: 1, block: 2, deferred: 1 },
      auto_replies: 1,
      replies: 1,
      unmatched: 1,
    });
    expect(summary.scanned).toBeGreaterThanOrEqual(8);

    const suppressed = (await db.select().from(suppressions)).map((s) => s.email);
    expect(suppressed).toContain(run.by("hard").email);
    expect(suppressed).not.toContain(run.by("soft").email);
    expect(suppressed).not.toContain(run.by("blocked").email);
    expect(suppressed).not.toContain(run.by("away").email);

    const status = (await campaignStatus(db, run.campaign.id)) as { state: string; replies: number; bounced: number };
    expect(status).toMatchObject({ state: "paused", replies: 1, bounced: 4 });
    const state = await db.query.imapMailboxState.findFirst({ where: eq(imapMailboxState.mailboxId, run.campaign.mailbox_id) });
    expect(state).toMatchObject({ blockCount: 2, lastError: null });
    expect(state?.blockReason).toMatch(/5\.7\./);
    const { recipients } = await listRecipients(db, run.campaign.id, {});
    expect(recipients.find((r) => r.email === run.by("blocked").email)).toMatchObject({ state: "sent" });

    const unmatched = await db.select().from(imapMessages).where(eq(imapMessages.matched, false));
    expect(unmatched.some((m) => m.kind === "reply" && m.mailboxId === run.campaign.mailbox_id)).toBe(true);

    const again = await syncMailbox(env, db, run.campaign.mailbox_id);
    expect(again).toMatchObject({ scanned: 0, bounces: { hard: 0, soft: 0, block: 0, deferred: 0 }, auto_replies: 0, replies: 0, unmatched: 0 });
    expect(((await campaignStatus(db, run.campaign.id)) as { replies: number }).replies).toBe(1);
  });

  it("records nothing twice after a UIDVALIDITY change forces a rescan", async () => {
    const db = testDb();
    const run = await sentCampaign(db, ["twice"]);
    await drop(run.bounceFolder, [dsn(run.by("twice"), "5.1.1"), answer(run.by("twice"), "Re: Hello")]);
    const first = await syncMailbox(env, db, run.campaign.mailbox_id);
    expect(first).toMatchObject({ bounces: { hard: 1 }, replies: 1 });
    await db
      .update(imapCheckpoints)
      .set({ uidvalidity: "1" })
      .where(and(eq(imapCheckpoints.mailboxId, run.campaign.mailbox_id), eq(imapCheckpoints.folder, run.bounceFolder)));
    const rescan = await syncMailbox(env, db, run.campaign.mailbox_id);
    expect(rescan.scanned).toBeGreaterThanOrEqual(2);
    expect(rescan).toMatchObject({ bounces: { hard: 0, soft: 0, block: 0, deferred: 0 }, replies: 0, unmatched: 0 });
    expect(((await campaignStatus(db, run.campaign.id)) as { replies: number }).replies).toBe(1);
  });

  it("suppresses a soft-bouncing address after 3 of its last 5 sends soft-bounced", async () => {
    const db = testDb();
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await sentCampaign(db, ["flaky"]));
    // Same address in three campaigns: the fixture domain differs per run, so reuse the first address.
    const email = runs[0]!.by("flaky").email;
    for (const run of runs) {
      await db.update(campaigns).set({ mailboxId: runs[0]!.campaign.mailbox_id }).where(eq(campaigns.id, run.campaign.id));
    }
    const rows = runs.map((r) => r.by("flaky"));
    for (const row of rows) await db.update(campaignRecipients).set({ email }).where(eq(campaignRecipients.messageId, row.messageId));
    await drop(runs[0]!.bounceFolder, rows.slice(0, 2).map((r) => dsn({ ...r, email }, "4.2.2", "failed", "smtp; 452 4.2.2 over quota")));
    await syncMailbox(env, db, runs[0]!.campaign.mailbox_id);
    expect((await db.select().from(suppressions)).map((s) => s.email)).not.toContain(email);
    await drop(runs[0]!.bounceFolder, [dsn({ ...rows[2]!, email }, "4.2.2", "failed", "smtp; 452 4.2.2 over quota")]);
    const summary = await syncMailbox(env, db, runs[0]!.campaign.mailbox_id);
    expect(summary.bounces.soft).toBe(1);
    expect((await db.select().from(suppressions)).filter((s) => s.email === email).map((s) => s.reason)).toEqual(["soft_bounce"]);
  });

  it("reports a dead sidecar per mailbox, keeps the checkpoint, and the next cron run catches up", async () => {
    const db = testDb();
    const run = await sentCampaign(db, ["late"]);
    await drop(run.bounceFolder, [dsn(run.by("late"), "5.1.1")]);

    const down = await syncAllMailboxes({ ...env, SIDECAR_URL: DEAD_SIDECAR });
    expect(down.find((r) => r.mailbox_id === run.campaign.mailbox_id)).toMatchObject({ ok: false, error: { type: "UNAVAILABLE" } });
    const state = await db.query.imapMailboxState.findFirst({ where: eq(imapMailboxState.mailboxId, run.campaign.mailbox_id) });
    expect(state).toMatchObject({ leaseUntil: null, lastError: expect.stringMatching(/sidecar/) });
    expect((await db.select().from(suppressions)).map((s) => s.email)).not.toContain(run.by("late").email);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "*/5 * * * *" }), env, ctx);
    expect((await db.select().from(suppressions)).map((s) => s.email)).toContain(run.by("late").email);
  });

  it("rejects an unknown mailbox with NOT_FOUND", async () => {
    await expect(syncMailbox(env, testDb(), 999_999)).rejects.toMatchObject({ type: "NOT_FOUND" });
  });
});
