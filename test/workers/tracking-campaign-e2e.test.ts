/**
 * Issue 6 + 7 end to end inside workerd: a campaign really sent to the SMTP sink, then the links,
 * pixel and List-Unsubscribe URL taken from the delivered mail are fetched like a mail client would;
 * the queued events go through the real tracking-events consumer, `status` shows the counters, and
 * the next campaign to the unsubscribed address skips it.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { campaignStatus, importRecipients, sendCampaign, sendPorts, type SendChunk } from "../../src/campaigns";
import worker from "../../src/index";
import { decodeQp, headerOf, sinkCampaign, sinkMessagesFor, testDb, uniqueDomain } from "./campaign-fixtures";

const PERSON_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

/** Runs a whole campaign through the real send-queue consumer against the SMTP sink. */
async function sendAll(campaignId: number): Promise<void> {
  const chunks: SendChunk[] = [];
  const ports = { ...(await sendPorts(env, testDb())), enqueue: async (c: SendChunk[]) => void chunks.push(...c) };
  await sendCampaign(ports, { campaign_id: campaignId });
  const batch = createMessageBatch<SendChunk>(
    "send-queue",
    chunks.map((body, i) => ({ id: `send-${campaignId}-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  await getQueueResult(batch, ctx);
}

/** Hands the events the routes queued to the real tracking-events consumer, `times` over (redelivery). */
async function consume(bodies: unknown[], times = 1): Promise<void> {
  for (let attempt = 1; attempt <= times; attempt++) {
    const batch = createMessageBatch(
      "tracking-events",
      bodies.map((body, i) => ({ id: `ev-${i}-${attempt}`, timestamp: new Date(), attempts: attempt, body })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(bodies.length);
  }
}

interface Status {
  state: string;
  sent: number;
  skipped: number;
  opened: number;
  opened_total: number;
  clicked: number;
  clicked_total: number;
  unsubscribed: number;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("render → click/open/unsubscribe → status", () => {
  it("counts a recipient's real click and open once each, honours List-Unsubscribe, and skips them next time", async () => {
    const db = testDb();
    const domain = uniqueDomain("track");
    const ada = `ada@${domain}`;
    const first = await sinkCampaign(db);
    await importRecipients(db, first.id, [ada, `bob@${domain}`]);
    await sendAll(first.id);
    const mail = (await sinkMessagesFor(domain)).find((m) => m.rcptTo[0] === ada)!;
    const body = decodeQp(mail.raw);
    const clickUrl = /https?:\/\/[^\s"'<>()]+\/t\/c\/[A-Za-z0-9_-]+/.exec(body)![0];
    const pixelUrl = /https?:\/\/[^\s"'<>()]+\/t\/o\/[A-Za-z0-9_-]+/.exec(body)![0];
    const unsubscribeUrl = /<(https?:\/\/[^>]+\/u\/[A-Za-z0-9_-]+)>/.exec(headerOf(mail.raw, "List-Unsubscribe")!)![1]!;
    expect(headerOf(mail.raw, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");

    const queued = vi.spyOn(env.TRACKING_EVENTS, "send");
    const click = await SELF.fetch(clickUrl, { redirect: "manual", headers: { "User-Agent": PERSON_UA } });
    expect(click.status).toBe(302);
    expect(click.headers.get("Location")).toBe("https://example.org/news?a=1&b=2");
    await SELF.fetch(clickUrl, { redirect: "manual", headers: { "User-Agent": PERSON_UA } });
    await SELF.fetch(clickUrl, { method: "HEAD", redirect: "manual", headers: { "User-Agent": PERSON_UA } });
    expect((await SELF.fetch(pixelUrl, { headers: { "User-Agent": "Mozilla/5.0" } })).status).toBe(200);
    expect((await SELF.fetch(pixelUrl, { headers: { "User-Agent": PERSON_UA } })).status).toBe(200);
    // Delivered twice, as a queue may: the counters must not move the second time.
    await consume(queued.mock.calls.map(([b]) => b), 2);

    expect((await SELF.fetch(unsubscribeUrl)).status).toBe(200);
    const form = new FormData();
    form.set("List-Unsubscribe", "One-Click");
    expect((await SELF.fetch(unsubscribeUrl, { method: "POST", body: form, redirect: "manual" })).status).toBe(200);
    expect((await SELF.fetch(unsubscribeUrl, { method: "POST", body: form, redirect: "manual" })).status).toBe(200);

    expect((await campaignStatus(db, first.id)) as Status).toMatchObject({
      sent: 2,
      opened: 1,
      opened_total: 2,
      clicked: 1,
      clicked_total: 3,
      unsubscribed: 1,
    });

    const second = await sinkCampaign(db);
    await importRecipients(db, second.id, [ada, `carol@${domain}`]);
    await sendAll(second.id);
    expect((await campaignStatus(db, second.id)) as Status).toMatchObject({ state: "done", sent: 1, skipped: 1 });
    expect((await sinkMessagesFor(domain)).filter((m) => m.rcptTo[0] === ada)).toHaveLength(1);
  });
});
