/**
 * The tracking-events consumer: batched inserts, redelivery without double counting, bots excluded
 * from uniques, privacy switches, and retries (never acks) when D1 fails.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { classifyAgent, trackingEvent, type TrackingEvent } from "../../src/tracking";
import { counters, events, seedCampaign } from "./tracking-fixtures";

const PERSON = classifyAgent("GET", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15");
const MPP = classifyAgent("GET", "Mozilla/5.0");
const HEAD = classifyAgent("HEAD", "Mozilla/5.0 (X11; Linux x86_64) Chrome/142.0");

function openOf(campaignId: number, recipientId: number, verdict = PERSON): TrackingEvent {
  return trackingEvent({ kind: "open", campaignId, recipientId, verdict });
}

function clickOf(campaignId: number, recipientId: number, linkIndex = 0, verdict = PERSON): TrackingEvent {
  return trackingEvent({ kind: "click", campaignId, recipientId, linkIndex, verdict });
}

/** Delivers `bodies` to the Worker's queue handler as one batch; `attempts` > 1 models a redelivery. */
async function deliver(bodies: unknown[], options: { attempts?: number } = {}) {
  const batch = createMessageBatch(
    "tracking-events",
    bodies.map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: options.attempts ?? 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("tracking-events consumer", () => {
  it("inserts a batch of opens and clicks and keeps unique and total counters", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const [a, b] = recipients.map((r) => r.id) as [number, number];
    const bodies = [openOf(campaignId, a), openOf(campaignId, a), openOf(campaignId, b), clickOf(campaignId, a, 0), clickOf(campaignId, a, 1)];
    const result = await deliver(bodies);
    expect(result.explicitAcks).toHaveLength(5);
    expect(result.retryMessages).toEqual([]);
    expect(await counters(campaignId)).toEqual({ opened_unique: 2, opened_total: 3, clicked_unique: 1, clicked_total: 2, unsubscribed: 0 });
    const rows = await events(campaignId);
    expect(rows.map((r) => [r.kind, r.recipient_id, r.link_index])).toEqual([
      ["open", a, null],
      ["open", a, null],
      ["open", b, null],
      ["click", a, 0],
      ["click", a, 1],
    ]);
    expect(rows.map((r) => JSON.parse(r.detail))).toContainEqual({ agent: "person" });
  });

  it("records a redelivered batch once: no duplicate events, no double counting", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const bodies = [openOf(campaignId, recipients[0]!.id), clickOf(campaignId, recipients[1]!.id, 2)];
    await deliver(bodies);
    const again = await deliver(bodies, { attempts: 2 });
    const partlyNew = await deliver([...bodies, openOf(campaignId, recipients[1]!.id)], { attempts: 3 });
    expect(again.explicitAcks).toHaveLength(2);
    expect(partlyNew.explicitAcks).toHaveLength(3);
    expect(await events(campaignId)).toHaveLength(3);
    expect(await counters(campaignId)).toEqual({ opened_unique: 2, opened_total: 2, clicked_unique: 1, clicked_total: 1, unsubscribed: 0 });
  });

  it("records bots and HEAD requests with is_bot, in totals but not in unique counts", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const a = recipients[0]!.id;
    await deliver([openOf(campaignId, a, MPP), clickOf(campaignId, a, 0, HEAD)]);
    expect(await counters(campaignId)).toEqual({ opened_unique: 0, opened_total: 1, clicked_unique: 0, clicked_total: 1, unsubscribed: 0 });
    expect((await events(campaignId)).map((r) => [r.is_bot, JSON.parse(r.detail).agent])).toEqual([
      [1, "apple_mpp"],
      [1, "head_request"],
    ]);
    await deliver([openOf(campaignId, a), clickOf(campaignId, a)]);
    expect(await counters(campaignId)).toEqual({ opened_unique: 1, opened_total: 2, clicked_unique: 1, clicked_total: 2, unsubscribed: 0 });
  });

  it("drops opens when open tracking is off and clicks when click tracking is off, acking them", async () => {
    const noOpens = await seedCampaign({ trackOpens: false });
    const noClicks = await seedCampaign({ trackClicks: false });
    const result = await deliver([
      openOf(noOpens.campaignId, noOpens.recipients[0]!.id),
      clickOf(noOpens.campaignId, noOpens.recipients[0]!.id),
      openOf(noClicks.campaignId, noClicks.recipients[0]!.id),
      clickOf(noClicks.campaignId, noClicks.recipients[0]!.id),
    ]);
    expect(result.explicitAcks).toHaveLength(4);
    expect((await events(noOpens.campaignId)).map((r) => r.kind)).toEqual(["click"]);
    expect((await events(noClicks.campaignId)).map((r) => r.kind)).toEqual(["open"]);
    expect(await counters(noOpens.campaignId)).toMatchObject({ opened_total: 0, clicked_total: 1 });
    expect(await counters(noClicks.campaignId)).toMatchObject({ opened_total: 1, clicked_total: 0 });
  });

  it("stores anonymous-count campaigns' events without the recipient and counts totals only", async () => {
    const { campaignId, recipients } = await seedCampaign({ anonymousCounts: true });
    const a = recipients[0]!.id;
    await deliver([openOf(campaignId, a), openOf(campaignId, a), clickOf(campaignId, a)]);
    expect((await events(campaignId)).map((r) => r.recipient_id)).toEqual([null, null, null]);
    expect(await counters(campaignId)).toEqual({ opened_unique: 0, opened_total: 2, clicked_unique: 0, clicked_total: 1, unsubscribed: 0 });
    const marks = await env.DB.prepare("SELECT opened_at, clicked_at FROM campaign_recipients WHERE id = ?").bind(a).first();
    expect(marks).toEqual({ opened_at: null, clicked_at: null });
  });

  it("drops events whose recipient is not in the token's campaign, or whose campaign does not exist", async () => {
    const one = await seedCampaign();
    const other = await seedCampaign();
    const result = await deliver([openOf(one.campaignId, other.recipients[0]!.id), clickOf(987654, one.recipients[0]!.id)]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(await events(one.campaignId)).toEqual([]);
    expect(await events(other.campaignId)).toEqual([]);
    expect(await counters(one.campaignId)).toBeNull();
  });

  it("leaves a malformed message unacked for retry (and the DLQ) while recording the rest", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const good = openOf(campaignId, recipients[0]!.id);
    const batch = createMessageBatch<unknown>("tracking-events", [
      { id: "bad", timestamp: new Date(), attempts: 1, body: { kind: "open", campaignId: "1" } },
      { id: "good", timestamp: new Date(), attempts: 1, body: good },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["bad"]);
    expect(result.explicitAcks).toEqual(["good"]);
    expect(await events(campaignId)).toHaveLength(1);
  });

  it("retries the whole batch with backoff and acks nothing when D1 fails", async () => {
    const { campaignId, recipients } = await seedCampaign();
    const failingDb = {
      prepare: (sql: string) => env.DB.prepare(sql),
      batch: async () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
    } as unknown as D1Database;
    const batch = createMessageBatch(
      "tracking-events",
      [openOf(campaignId, recipients[0]!.id), clickOf(campaignId, recipients[1]!.id)].map((body, i) => ({
        id: `m${i}`,
        timestamp: new Date(),
        attempts: 2,
        body,
      })),
    );
    // getQueueResult does not report retry delays, so watch retry() itself.
    const retries = batch.messages.map((m) => vi.spyOn(m, "retry"));
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, DB: failingDb }, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m0", "m1"]);
    for (const spy of retries) expect(spy).toHaveBeenCalledWith({ delaySeconds: 20 });
    expect(await events(campaignId)).toEqual([]);
  });
});
