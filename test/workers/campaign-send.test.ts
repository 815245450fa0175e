/**
 * The send pipeline against the real SMTP sink: the real send-queue consumer (createMessageBatch +
 * getQueueResult) for whole runs, and the sender with fault-injecting ports for crashes mid-chunk.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  addSuppressions,
  campaignStatus,
  cancelCampaign,
  importRecipients,
  listRecipients,
  pauseCampaignByRequest,
  processSendChunk,
  resumeCampaign,
  sendCampaign,
  senderPorts,
  sendPorts,
  SmtpConnectionError,
  updateMailbox,
  type SendChunk,
  type SenderPorts,
} from "../../src/campaigns";
import worker from "../../src/index";
import { tokenCodec } from "../../src/shared/tokens";
import {
  decodeQp,
  headerCount,
  headerOf,
  sinkCampaign,
  sinkMailbox,
  sinkMessagesFor,
  sinkRule,
  testDb,
  uniqueDomain,
} from "./campaign-fixtures";

interface Status {
  state: string;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  queued: number;
  pause_reason: string | null;
  errors: Array<{ email: string; error: string }>;
  summary: string | null;
}

/** Starts a run, capturing the chunks `send` would enqueue instead of handing them to the local queue. */
async function startCapturing(campaignId: number): Promise<SendChunk[]> {
  const chunks: SendChunk[] = [];
  const ports = { ...(await sendPorts(env, testDb())), enqueue: async (c: SendChunk[]) => void chunks.push(...c) };
  await sendCampaign(ports, { campaign_id: campaignId });
  return chunks;
}

/** Runs the Worker's real queue handler on one batch and returns its acks/retries. */
async function deliver(chunks: SendChunk[], attempts = 1) {
  const batch = createMessageBatch<SendChunk>(
    "send-queue",
    chunks.map((body, i) => ({ id: `msg-${i}-${attempts}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

async function status(id: number): Promise<Status> {
  return (await campaignStatus(testDb(), id)) as Status;
}

describe("send pipeline", () => {
  it("delivers 1,000 imported entries (with duplicates and invalids) exactly once each with every header and both parts", { timeout: 120_000 }, async () => {
    const db = testDb();
    const domain = uniqueDomain("bulk");
    const campaign = await sinkCampaign(db);
    const inputs: Array<string | { email: string; name: string; meta: Record<string, string> }> = [];
    for (let i = 0; i < 985; i++) {
      inputs.push(i % 2 === 0 ? `Reader ${i} <r${i}@${domain}>` : { email: `r${i}@${domain}`, name: `Reader ${i}`, meta: { plan: `p${i}` } });
    }
    for (let i = 0; i < 10; i++) inputs.push(`r${i}@${domain.toUpperCase()}`); // duplicates after normalisation
    inputs.push("not-an-address", "a@b", "x y@ex.com", "Bad\r\nName <bad@ex.com>", "<>");
    const imported = await importRecipients(db, campaign.id, inputs);
    expect(imported).toMatchObject({ created: 985, skipped: 10, remaining: 0 });
    expect(imported.invalid).toHaveLength(5);

    const chunks = await startCapturing(campaign.id);
    expect(chunks).toHaveLength(10);
    const result = await deliver(chunks);
    expect(result.explicitAcks).toHaveLength(10);
    expect(result.retryMessages).toHaveLength(0);

    const messages = await sinkMessagesFor(domain);
    expect(messages).toHaveLength(985);
    expect(new Set(messages.map((m) => m.rcptTo[0])).size).toBe(985);
    expect(messages.every((m) => m.rcptTo.length === 1)).toBe(true);

    const codec = await tokenCodec(env.TRACKING_SIGNING_KEYS);
    const sample = messages.find((m) => m.rcptTo[0] === `r7@${domain}`)!;
    const raw = sample.raw;
    for (const name of ["From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Feedback-ID", "Precedence", "X-Pigeonhole-Msg"]) {
      expect(headerCount(raw, name), name).toBe(1);
    }
    expect(headerCount(raw, "Bcc")).toBe(0);
    expect(headerCount(raw, "Cc")).toBe(0);
    expect(headerOf(raw, "To")).toBe(`"Reader 7" <r7@${domain}>`);
    expect(headerOf(raw, "Subject")).toBe("Hello Reader 7");
    expect(headerOf(raw, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(headerOf(raw, "Precedence")).toBe("bulk");
    expect(headerOf(raw, "List-Id")).toBe(`"Autumn news" <c${campaign.id}.list.sender.example>`);
    expect(headerOf(raw, "Feedback-ID")).toBe(`${campaign.id}:${campaign.mailbox_id}:default:pigeonhole`);
    expect(headerOf(raw, "Message-ID")).toMatch(/^<[A-Za-z0-9_-]{22}@sender\.example>$/);
    const unsubscribe = /^<http:\/\/[^/]+\/u\/([A-Za-z0-9_-]+)>$/.exec(headerOf(raw, "List-Unsubscribe")!)!;
    expect(await codec.verify(unsubscribe[1]!, "unsubscribe")).toMatchObject({ campaignId: campaign.id });
    const msgToken = await codec.verify(headerOf(raw, "X-Pigeonhole-Msg")!, "message");
    expect(msgToken).toMatchObject({ campaignId: campaign.id });
    expect(headerOf(raw, "Content-Type")).toMatch(/^multipart\/alternative; boundary=/);
    const body = decodeQp(raw);
    expect(body).toContain("Content-Type: text/plain; charset=utf-8");
    expect(body).toContain("Content-Type: text/html; charset=utf-8");
    expect(body).toContain("Hi <strong>Reader 7</strong>, your plan is p7.");
    expect(body).toContain("Hi **Reader 7**, your plan is p7.");
    expect(body).toMatch(/href="http:\/\/[^"]+\/t\/c\/[A-Za-z0-9_-]+"/);
    expect(body).toMatch(/<img src="http:\/\/[^"]+\/t\/o\/[A-Za-z0-9_-]+"/);
    expect(body).toContain("Unsubscribe");
    expect(body).not.toContain("https://example.org/news");
    const click = /\/t\/c\/([A-Za-z0-9_-]+)/.exec(body)![1]!;
    expect(await codec.verify(click, "click")).toMatchObject({ url: "https://example.org/news?a=1&b=2", linkIndex: 0 });
    expect(sample.mailFromArgs).toMatchObject({ RET: "HDRS", ENVID: headerOf(raw, "X-Pigeonhole-Msg") });
    expect(sample.rcptArgs[`r7@${domain}`]).toMatchObject({ NOTIFY: "FAILURE,DELAY" });

    const done = await status(campaign.id);
    expect(done).toMatchObject({ state: "done", total: 985, sent: 985, failed: 0, skipped: 0, queued: 0 });
    expect(done.summary).toContain("985 of 985 sent");
  });

  it("sends each recipient once when the same chunks are redelivered, sequentially and concurrently", async () => {
    const db = testDb();
    const domain = uniqueDomain("redeliver");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, Array.from({ length: 30 }, (_, i) => `u${i}@${domain}`));
    const chunks = await startCapturing(campaign.id);
    await Promise.all([deliver(chunks), deliver(chunks, 2)]);
    await deliver(chunks, 3);
    const messages = await sinkMessagesFor(domain);
    expect(messages).toHaveLength(30);
    expect(new Set(messages.map((m) => m.rcptTo[0])).size).toBe(30);
    expect(await status(campaign.id)).toMatchObject({ state: "done", sent: 30 });
  });

  it("resumes a chunk killed halfway by a dropped connection and still delivers exactly once", async () => {
    const db = testDb();
    const domain = uniqueDomain("kill");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, Array.from({ length: 10 }, (_, i) => `k${i}@${domain}`));
    const [chunk] = await startCapturing(campaign.id);
    const real = await senderPorts(env, db);
    let sends = 0;
    const dropping: SenderPorts = {
      ...real,
      openTransport: async (mailbox) => {
        const transport = await real.openTransport(mailbox);
        return {
          close: () => transport.close(),
          send: async (envelope) => {
            if (++sends === 5) throw new SmtpConnectionError("connection reset by peer", false);
            return transport.send(envelope);
          },
        };
      },
    };
    expect(await processSendChunk(dropping, chunk!)).toMatchObject({ action: "retry" });
    expect(await sinkMessagesFor(domain)).toHaveLength(4);
    expect(await processSendChunk(real, chunk!)).toEqual({ action: "ack" });
    const messages = await sinkMessagesFor(domain);
    expect(messages.map((m) => m.rcptTo[0]).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}@${domain}`).sort());
    expect(await status(campaign.id)).toMatchObject({ state: "done", sent: 10 });
  });

  it("never resends a message whose outcome is unknown after a crash; it ends failed after the lease", async () => {
    const db = testDb();
    const domain = uniqueDomain("crash");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, Array.from({ length: 6 }, (_, i) => `c${i}@${domain}`));
    const [chunk] = await startCapturing(campaign.id);
    const real = await senderPorts(env, db);
    let sends = 0;
    const crashing: SenderPorts = {
      ...real,
      openTransport: async (mailbox) => {
        const transport = await real.openTransport(mailbox);
        return {
          close: () => transport.close(),
          send: async (envelope) => {
            const reply = await transport.send(envelope);
            if (++sends === 3) throw new Error("isolate killed after the server accepted message 3");
            return reply;
          },
        };
      },
    };
    await expect(processSendChunk(crashing, chunk!)).rejects.toThrow(/isolate killed/);
    // Redelivered at once: the in-flight claim is still leased, so the rest go out and the chunk retries later.
    expect(await processSendChunk(real, chunk!)).toMatchObject({ action: "retry" });
    const later: SenderPorts = { ...real, now: () => new Date(Date.now() + 10 * 60_000) };
    expect(await processSendChunk(later, chunk!)).toEqual({ action: "ack" });
    const messages = await sinkMessagesFor(domain);
    expect(messages).toHaveLength(6);
    expect(new Set(messages.map((m) => m.rcptTo[0])).size).toBe(6);
    const final = await status(campaign.id);
    expect(final).toMatchObject({ state: "done", sent: 5, failed: 1 });
    expect(final.errors[0]!.error).toMatch(/outcome unknown/);
  });

  it("retries a 4xx answer and sends the message once when the server then accepts", async () => {
    const db = testDb();
    const domain = uniqueDomain("greylist");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, [`grey@${domain}`, `fine@${domain}`]);
    await sinkRule({ rcpt: `grey@${domain}`, code: 451, message: "4.7.1 Greylisted, try again later", times: 1 });
    const chunks = await startCapturing(campaign.id);
    const first = await deliver(chunks);
    expect(first.retryMessages).toHaveLength(1);
    expect(await status(campaign.id)).toMatchObject({ state: "sending", sent: 1, queued: 1 });
    const second = await deliver(chunks, 2);
    expect(second.explicitAcks).toHaveLength(1);
    const messages = await sinkMessagesFor(domain);
    expect(messages.filter((m) => m.rcptTo[0] === `grey@${domain}`)).toHaveLength(1);
    expect(messages.filter((m) => m.rcptTo[0] === `fine@${domain}`)).toHaveLength(1);
    expect(await status(campaign.id)).toMatchObject({ state: "done", sent: 2, failed: 0 });
  });

  it("fails a 5xx recipient with the server's words and sends the others", async () => {
    const db = testDb();
    const domain = uniqueDomain("hard");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, [`gone@${domain}`, `ok@${domain}`]);
    await sinkRule({ rcpt: `gone@${domain}`, code: 550, message: "5.1.1 No such user here" });
    await deliver(await startCapturing(campaign.id));
    const final = await status(campaign.id);
    expect(final).toMatchObject({ state: "done", sent: 1, failed: 1 });
    expect(final.errors).toEqual([{ email: `gone@${domain}`, error: "550 5.1.1 No such user here" }]);
    expect(await sinkMessagesFor(domain)).toHaveLength(1);
  });

  it("pauses the campaign on 535 instead of failing recipients", async () => {
    const db = testDb();
    const domain = uniqueDomain("auth");
    const campaign = await sinkCampaign(db, {}, { smtp_password: "wrong-password-123" });
    await importRecipients(db, campaign.id, [`a@${domain}`, `b@${domain}`]);
    const result = await deliver(await startCapturing(campaign.id));
    expect(result.explicitAcks).toHaveLength(1);
    const final = await status(campaign.id);
    expect(final).toMatchObject({ state: "paused", sent: 0, failed: 0, queued: 2 });
    expect(final.pause_reason).toMatch(/535/);
    expect(final.pause_reason).not.toContain("wrong-password-123");
    expect(await sinkMessagesFor(domain)).toHaveLength(0);
  });

  it("pauses on a provider quota reply (5.4.5) and leaves the recipient queued", async () => {
    const db = testDb();
    const domain = uniqueDomain("quota");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, [`q1@${domain}`, `q2@${domain}`]);
    await sinkRule({ rcpt: `q1@${domain}`, code: 550, message: "5.4.5 Daily user sending limit exceeded" });
    await deliver(await startCapturing(campaign.id));
    const final = await status(campaign.id);
    expect(final).toMatchObject({ state: "paused", failed: 0, queued: 2 });
    expect(final.pause_reason).toMatch(/5\.4\.5 Daily user sending limit exceeded/);
  });

  it("skips suppressed addresses before rendering", async () => {
    const db = testDb();
    const domain = uniqueDomain("suppress");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, [`keep@${domain}`, `unsub@${domain}`]);
    await addSuppressions(db, [`unsub@${domain}`], "unsubscribe");
    await deliver(await startCapturing(campaign.id));
    expect(await status(campaign.id)).toMatchObject({ state: "done", sent: 1, skipped: 1 });
    const { recipients } = await listRecipients(db, campaign.id, { status: "skipped" });
    expect(recipients[0]).toMatchObject({ email: `unsub@${domain}`, error: "suppressed (unsubscribe)" });
    expect((await sinkMessagesFor(domain)).map((m) => m.rcptTo[0])).toEqual([`keep@${domain}`]);
  });

  it("stops a chunk within one message once the campaign is paused", async () => {
    const db = testDb();
    const domain = uniqueDomain("pause");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, Array.from({ length: 6 }, (_, i) => `p${i}@${domain}`));
    const [chunk] = await startCapturing(campaign.id);
    const real = await senderPorts(env, db);
    let sends = 0;
    const pausing: SenderPorts = {
      ...real,
      openTransport: async (mailbox) => {
        const transport = await real.openTransport(mailbox);
        return {
          close: () => transport.close(),
          send: async (envelope) => {
            const reply = await transport.send(envelope);
            if (++sends === 2) await pauseCampaignByRequest(db, campaign.id);
            return reply;
          },
        };
      },
    };
    expect(await processSendChunk(pausing, chunk!)).toEqual({ action: "ack" });
    // The message already claimed ahead when the pause landed may still go out; nothing after it does.
    const paused = await status(campaign.id);
    expect(paused.state).toBe("paused");
    expect(paused.sent).toBeLessThanOrEqual(3);
    expect(paused.sent + paused.queued).toBe(6);
    expect((await sinkMessagesFor(domain)).length).toBe(paused.sent);
  });

  it("holds the mailbox's rate per minute and requeues the rest of the chunk", async () => {
    const db = testDb();
    const domain = uniqueDomain("rate");
    const campaign = await sinkCampaign(db, {}, { rate_per_minute: 3 });
    await importRecipients(db, campaign.id, Array.from({ length: 5 }, (_, i) => `t${i}@${domain}`));
    const [chunk] = await startCapturing(campaign.id);
    const requeued: Array<{ chunk: SendChunk; delay: number }> = [];
    const now = new Date("2030-01-01T10:00:30Z");
    const ports: SenderPorts = {
      ...(await senderPorts(env, db)),
      now: () => now,
      requeue: async (c, delay) => void requeued.push({ chunk: c, delay }),
    };
    await processSendChunk(ports, chunk!);
    expect(await sinkMessagesFor(domain)).toHaveLength(3);
    expect(requeued).toHaveLength(1);
    expect(requeued[0]!.chunk.recipient_ids).toHaveLength(2);
    expect(requeued[0]!.delay).toBe(30);
    // A concurrent consumer in the same minute gets nothing.
    await processSendChunk(ports, requeued[0]!.chunk);
    expect(await sinkMessagesFor(domain)).toHaveLength(3);
    expect(requeued).toHaveLength(2);
  });

  it("retries an unreachable SMTP server, then pauses the campaign on the chunk's last delivery instead of dead-lettering it", async () => {
    const db = testDb();
    const domain = uniqueDomain("down");
    const campaign = await sinkCampaign(db, {}, { smtp_port: 1 });
    await importRecipients(db, campaign.id, [`d@${domain}`]);
    const chunks = await startCapturing(campaign.id);
    const early = await deliver(chunks, 1);
    expect(early.retryMessages).toHaveLength(1);
    expect(await status(campaign.id)).toMatchObject({ state: "sending", queued: 1 });
    const last = await deliver(chunks, 6);
    expect(last.explicitAcks).toHaveLength(1);
    const final = await status(campaign.id);
    expect(final).toMatchObject({ state: "paused", queued: 1, failed: 0 });
    expect(final.pause_reason).toMatch(/after 6 deliveries/);
  });

  it("resumes a campaign paused by 535 once the password is fixed, and sends each recipient once", async () => {
    const db = testDb();
    const domain = uniqueDomain("resume");
    const campaign = await sinkCampaign(db, {}, { smtp_password: "stale-password" });
    await importRecipients(db, campaign.id, [`x@${domain}`, `y@${domain}`]);
    const firstRun = await startCapturing(campaign.id);
    await deliver(firstRun);
    expect(await status(campaign.id)).toMatchObject({ state: "paused" });
    await updateMailbox(db, env, { id: campaign.mailbox_id, smtp_password: sinkMailbox().smtp_password });
    const secondRun: SendChunk[] = [];
    const ports = { ...(await sendPorts(env, db)), enqueue: async (c: SendChunk[]) => void secondRun.push(...c) };
    expect(await resumeCampaign(ports, campaign.id)).toMatchObject({ state: "sending", queued: 2 });
    await deliver(firstRun, 2); // a stale chunk of the first run is dropped
    expect(await sinkMessagesFor(domain)).toHaveLength(0);
    await deliver(secondRun);
    expect((await sinkMessagesFor(domain)).map((m) => m.rcptTo[0]).sort()).toEqual([`x@${domain}`, `y@${domain}`]);
    expect(await status(campaign.id)).toMatchObject({ state: "done", sent: 2, pause_reason: null });
  });

  it("sends nothing more once a campaign is cancelled", async () => {
    const db = testDb();
    const domain = uniqueDomain("cancel");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, [`z@${domain}`]);
    const chunks = await startCapturing(campaign.id);
    expect(await cancelCampaign(db, campaign.id)).toEqual({ campaign_id: campaign.id, state: "cancelled" });
    const result = await deliver(chunks);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await sinkMessagesFor(domain)).toHaveLength(0);
    const final = await status(campaign.id);
    expect(final).toMatchObject({ state: "cancelled", sent: 0, queued: 1 });
    expect(final.summary).toContain("Cancelled: 0 of 1 sent");
  });

  it("holds the mailbox's daily cap across chunks and defers the rest to the next UTC day", async () => {
    const db = testDb();
    const domain = uniqueDomain("daily");
    const campaign = await sinkCampaign(db, {}, { daily_cap: 2 });
    await importRecipients(db, campaign.id, Array.from({ length: 3 }, (_, i) => `day${i}@${domain}`));
    const [chunk] = await startCapturing(campaign.id);
    const requeued: Array<{ chunk: SendChunk; delay: number }> = [];
    const ports: SenderPorts = {
      ...(await senderPorts(env, db)),
      now: () => new Date("2030-01-01T23:00:00Z"),
      requeue: async (c, delay) => void requeued.push({ chunk: c, delay }),
    };
    await processSendChunk(ports, chunk!);
    expect(await sinkMessagesFor(domain)).toHaveLength(2);
    expect(requeued).toEqual([{ chunk: expect.objectContaining({ recipient_ids: [expect.any(Number)] }), delay: 3600 }]);
    const nextDay: SenderPorts = { ...ports, now: () => new Date("2030-01-02T00:00:01Z") };
    await processSendChunk(nextDay, requeued[0]!.chunk);
    expect(await sinkMessagesFor(domain)).toHaveLength(3);
    expect(await status(campaign.id)).toMatchObject({ state: "done", sent: 3 });
  });
});
