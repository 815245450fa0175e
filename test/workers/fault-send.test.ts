/**
 * Fault injection on the send pipeline, checked at the SMTP sink. A small queue emulator drives the
 * real sender (`processSendChunk`) the way the send-queue consumer does (a batch of chunks in
 * parallel, ack or retry each, redeliver the rest) while faults land at random message indexes
 * through the sender's declared ports (transport, clock). Two fault families:
 *  - failures: the consumer's code keeps running (a dropped connection, a crash after the server
 *    accepted, a clock that throws) → every recipient arrives exactly once;
 *  - kills: the isolate stops dead (every port call of the batch hangs forever and the batch is
 *    redelivered) → never a duplicate; a recipient whose SMTP transaction was open (or claimed ahead
 *    by the pipeline) ends `failed: outcome unknown` rather than risk a second copy.
 * `SOAK=1` (scripts/soak.sh) runs 10,000 recipients and 20 faults; the normal suite 300 and 5.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  importRecipients,
  MAX_RECIPIENT_BATCH,
  processSendChunk,
  sendCampaign,
  senderPorts,
  sendPorts,
  SmtpConnectionError,
  type SendChunk,
  type SenderPorts,
  type Transport,
} from "../../src/campaigns";
import { campaignRecipients } from "../../src/db";
import { headerOf, sinkCampaign, sinkMessagesFor, testDb, uniqueDomain } from "./campaign-fixtures";
import { prng, soakMode } from "../support/soak";

const SOAK = soakMode();
const RECIPIENTS = SOAK ? 10_000 : 300;
const FAULTS = SOAK ? 20 : 5;
/** Chunks processed in parallel per emulated queue batch (wrangler.toml max_batch_size is larger; the sink is shared). */
const BATCH = 4;
/** Rounds of the emulated queue before the test gives up (each round is one batch). */
const MAX_ROUNDS = 4 * Math.ceil(RECIPIENTS / 100) + 20 * FAULTS + 50;
const TIMEOUT_MS = SOAK ? 3_600_000 : 180_000;

type FailureKind = "drop-before-dot" | "crash-after-accept" | "clock-throws";
type KillKind = "kill-before-dot" | "kill-after-accept";

function faultPoints<K extends string>(rand: () => number, kinds: readonly K[]): Map<number, K> {
  const points = new Map<number, K>();
  while (points.size < FAULTS) {
    const at = 1 + Math.floor(rand() * (RECIPIENTS - 1));
    if (!points.has(at)) points.set(at, kinds[Math.floor(rand() * kinds.length)]!);
  }
  return points;
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

interface Run {
  domain: string;
  campaignId: number;
  faultsFired: Map<string, number>;
  killedInFlight: number;
  rounds: number;
}

/**
 * Runs a campaign through the emulated queue. `fault(sendIndex)` names the fault for the n-th SMTP
 * send overall (1-based), or undefined. A kill marks its whole batch dead: every later send of the
 * batch hangs, the batch's invocations are abandoned and their chunks redelivered.
 */
async function runWithFaults(fault: (n: number) => FailureKind | KillKind | undefined): Promise<Run> {
  const db = testDb();
  const domain = uniqueDomain("fault");
  const campaign = await sinkCampaign(db);
  const all = Array.from({ length: RECIPIENTS }, (_, i) => ({ email: `r${i}@${domain}`, name: `Reader ${i}`, meta: { plan: `p${i % 7}` } }));
  for (let i = 0; i < all.length; i += MAX_RECIPIENT_BATCH) {
    await importRecipients(db, campaign.id, all.slice(i, i + MAX_RECIPIENT_BATCH));
  }
  const pending: SendChunk[] = [];
  await sendCampaign({ ...(await sendPorts(env, db)), enqueue: async (c) => void pending.push(...c) }, { campaign_id: campaign.id });

  const real = await senderPorts(env, db);
  let offsetMs = 0;
  let clockArmed = false;
  let sends = 0;
  const run: Run = { domain, campaignId: campaign.id, faultsFired: new Map(), killedInFlight: 0, rounds: 0 };
  const fired = (kind: string) => run.faultsFired.set(kind, (run.faultsFired.get(kind) ?? 0) + 1);

  while (pending.length > 0) {
    expect(++run.rounds, "the emulated queue drained within its round bound").toBeLessThanOrEqual(MAX_ROUNDS);
    const batch = pending.splice(0, BATCH);
    let dead = false;
    let killed!: () => void;
    const killSignal = new Promise<"killed">((resolve) => (killed = () => resolve("killed")));
    const opened: Transport[] = [];
    const ports: SenderPorts = {
      ...real,
      appendSent: async () => undefined,
      requeue: async (chunk) => void pending.push(chunk),
      now: () => {
        if (clockArmed) {
          clockArmed = false;
          throw new Error("clock port failed (injected)");
        }
        return new Date(Date.now() + offsetMs);
      },
      openTransport: async (mailbox) => {
        const transport = await real.openTransport(mailbox);
        opened.push(transport);
        return {
          close: () => transport.close(),
          send: async (envelope) => {
            if (dead) return never();
            const kind = fault(++sends);
            if (kind) fired(kind);
            switch (kind) {
              case "drop-before-dot":
                throw new SmtpConnectionError("connection reset by peer (injected)", false);
              case "crash-after-accept": {
                await transport.send(envelope);
                throw new Error("consumer crashed after the server accepted (injected)");
              }
              case "clock-throws":
                clockArmed = true;
                return transport.send(envelope);
              case "kill-before-dot":
                dead = true;
                killed();
                return never();
              case "kill-after-accept":
                await transport.send(envelope);
                dead = true;
                killed();
                return never();
              default:
                return transport.send(envelope);
            }
          },
        };
      },
    };
    const outcomes = await Promise.race([
      Promise.allSettled(batch.map((chunk) => processSendChunk(ports, chunk))),
      killSignal,
    ]);
    if (outcomes === "killed") {
      // The isolate is gone: nothing of this batch was acked, so the queue redelivers all of it.
      run.killedInFlight += batch.length;
      dead = true;
      await Promise.all(opened.map((t) => t.close().catch(() => undefined)));
      pending.push(...batch);
      continue;
    }
    let delay = 0;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === "fulfilled" && outcome.value.action === "ack") return;
      pending.push(batch[i]!);
      delay = Math.max(delay, outcome.status === "fulfilled" && outcome.value.action === "retry" ? outcome.value.delaySeconds : 1);
    });
    // Virtual time: a retry comes back after its delay (so lapsed leases settle) without sleeping.
    if (delay > 0 && pending.every((c) => batch.includes(c))) offsetMs += (delay + 1) * 1000;
    else if (delay > 0) offsetMs += 1000;
  }
  return run;
}

async function recipientRows(campaignId: number) {
  return testDb()
    .select({ email: campaignRecipients.email, state: campaignRecipients.state, error: campaignRecipients.error, messageId: campaignRecipients.messageId })
    .from(campaignRecipients)
    .where(eq(campaignRecipients.campaignId, campaignId));
}

/** Sink messages per recipient, and the Message-ID each carried. */
async function sinkTally(domain: string) {
  const byRecipient = new Map<string, string[]>();
  for (const m of await sinkMessagesFor(domain)) {
    for (const rcpt of m.rcptTo) byRecipient.set(rcpt, [...(byRecipient.get(rcpt) ?? []), headerOf(m.raw, "Message-ID") ?? ""]);
  }
  return byRecipient;
}

describe(`send pipeline under fault injection (${RECIPIENTS} recipients, ${FAULTS} faults)`, () => {
  it("delivers every recipient exactly once at the sink when the consumer fails mid-batch at random points", { timeout: TIMEOUT_MS }, async () => {
    const seed = Date.now() % 1_000_000;
    const points = faultPoints(prng(seed), ["drop-before-dot", "crash-after-accept", "clock-throws"] as const);
    const run = await runWithFaults((n) => points.get(n));
    const sink = await sinkTally(run.domain);
    const rows = await recipientRows(run.campaignId);

    const duplicates = [...sink.values()].filter((ids) => ids.length > 1).length;
    const missing = rows.filter((r) => !sink.has(r.email)).map((r) => r.email);
    console.log(JSON.stringify({ figure: "send-failures", seed, recipients: RECIPIENTS, faults: Object.fromEntries(run.faultsFired), rounds: run.rounds, delivered: sink.size, duplicates, missing: missing.length }));
    expect([...run.faultsFired.values()].reduce((a, b) => a + b, 0), `seed ${seed}`).toBe(FAULTS);
    expect(duplicates, `seed ${seed}`).toBe(0);
    expect(missing, `seed ${seed}`).toEqual([]);
    expect(sink.size).toBe(RECIPIENTS);
    for (const row of rows) {
      if (row.state === "sent") expect(sink.get(row.email)).toEqual([row.messageId]);
      else {
        // Only a crash after the server's 250 leaves the outcome unknown; the message is at the sink once.
        expect(row).toMatchObject({ state: "failed", error: expect.stringMatching(/outcome unknown/) });
        expect(sink.get(row.email)).toHaveLength(1);
      }
    }
  });

  it("never sends a duplicate when the consumer is killed outright at random points; what it cannot know it reports as failed", { timeout: TIMEOUT_MS }, async () => {
    const seed = Date.now() % 1_000_000;
    const points = faultPoints(prng(seed), ["kill-before-dot", "kill-after-accept"] as const);
    const run = await runWithFaults((n) => points.get(n));
    const sink = await sinkTally(run.domain);
    const rows = await recipientRows(run.campaignId);

    const duplicates = [...sink.values()].filter((ids) => ids.length > 1).length;
    const unknown = rows.filter((r) => r.state === "failed");
    const missing = rows.filter((r) => !sink.has(r.email));
    console.log(JSON.stringify({ figure: "send-kills", seed, recipients: RECIPIENTS, faults: Object.fromEntries(run.faultsFired), rounds: run.rounds, delivered: sink.size, duplicates, missing: missing.length, reported_unknown: unknown.length }));
    expect(duplicates, `seed ${seed}`).toBe(0);
    expect(rows.every((r) => r.state === "sent" || r.state === "failed"), "nothing left queued or in flight").toBe(true);
    for (const row of rows) {
      if (row.state === "sent") expect(sink.get(row.email)).toEqual([row.messageId]);
      else expect(row.error).toMatch(/outcome unknown/);
    }
    // Silent loss is ruled out: every recipient missing at the sink is one the campaign reports as failed.
    expect(missing.every((r) => r.state === "failed")).toBe(true);
    // Each killed invocation had at most two rows claimed (the one on the wire and the one claimed ahead).
    expect(unknown.length).toBeLessThanOrEqual(2 * run.killedInFlight);
  });
});
