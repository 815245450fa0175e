/**
 * IMAP sync across sidecar and dovecot restarts, on instances of its own (so restarts disturb no other
 * test): wrangler dev → sidecar → a byte-counting TCP proxy → dovecot. The proxy fires the fault once
 * the server has streamed a set number of bytes to the sidecar in the armed sync, i.e. mid-FETCH:
 * first the sidecar is killed outright (SIGKILL, restarted on its port), then dovecot is restarted
 * with every IMAP connection cut at once. Each time the
 * next sync must catch up, and D1 must hold every bounce and reply exactly once.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ImapFlow } from "imapflow";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { hardBounceDsn, replyTo } from "../support/bounce-mail";
import { startDovecot, type Dovecot, IMAP_PASSWORD, IMAP_USER } from "../support/dovecot";
import { callOk, connectMcp } from "../support/mcp";
import { freePort } from "../support/ports";
import { startSidecar, type RunningSidecar } from "../support/sidecar";
import { startWorker, type RunningWorker } from "../support/worker";
import { soakMode } from "../support/soak";

const { smtp } = inject("mailServers");
const SOAK = soakMode();
const RECIPIENTS = SOAK ? 400 : 40;
/** Server → sidecar bytes in the armed sync after which the fault fires (well inside the FETCH). */
const FIRE_AFTER_BYTES = 16 * 1024;
const MAILBOX = "news@fault-imap.example";
const FILLER = `${"Diagnostic transcript line for padding the report. ".repeat(40)}\r\n`;

let dovecot: Dovecot;
let sidecar: RunningSidecar;
let sidecarPort: number;
let worker: RunningWorker;
let client: Client;
let proxy: Server;
let proxyPort: number;
const sockets = new Set<Socket>();
/** The armed fault: runs once when the byte count crosses the threshold. */
let armed: { bytes: number; fire: () => void } | null = null;

beforeAll(async () => {
  dovecot = await startDovecot();
  proxyPort = await freePort();
  proxy = createServer((downstream) => {
    const upstream = createConnection({ host: dovecot.host, port: dovecot.port });
    sockets.add(downstream).add(upstream);
    // Forwarded by hand (not piped) so that a fault fires before the chunk that crossed the threshold
    // reaches the sidecar: the fetch is cut mid-stream, not after it completed.
    upstream.on("data", (chunk: Buffer) => {
      if (armed) {
        armed.bytes += chunk.length;
        if (armed.bytes >= FIRE_AFTER_BYTES) {
          const { fire } = armed;
          armed = null;
          fire();
          return;
        }
      }
      downstream.write(chunk);
    });
    downstream.on("data", (chunk: Buffer) => upstream.write(chunk));
    const close = () => {
      downstream.destroy();
      upstream.destroy();
      sockets.delete(downstream);
      sockets.delete(upstream);
    };
    downstream.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => proxy.listen(proxyPort, "127.0.0.1", () => resolve()));
  sidecarPort = await freePort();
  sidecar = await startSidecar({ port: sidecarPort });
  worker = await startWorker({ SIDECAR_URL: sidecar.url });
  client = await connectMcp(worker.url, worker.token);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await worker?.stop();
  await sidecar?.stop();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await dovecot?.stop();
});

async function withImap<T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: IMAP_USER, pass: IMAP_PASSWORD }, logger: false });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}

interface SyncResult {
  bounces: { hard: number };
  replies: number;
}

/** A sync call that may fail (the fault hit it); returns its tally or null. */
async function syncOnce(mailboxId: number): Promise<SyncResult | null> {
  const result = await client.callTool({ name: "mailboxes", arguments: { action: "sync", payload: { id: mailboxId } } });
  return result.isError ? null : (result.structuredContent as unknown as SyncResult);
}

/** Syncs until a run succeeds (the first may meet a lease left by the interrupted one); bounded. */
async function syncUntilOk(mailboxId: number): Promise<SyncResult> {
  return vi.waitFor(
    async () => {
      const r = await syncOnce(mailboxId);
      expect(r, "a sync run succeeds").not.toBeNull();
      return r!;
    },
    { timeout: 120_000, interval: 1_000 },
  );
}

describe("IMAP sync across restarts", () => {
  it("catches up after a sidecar kill and a dovecot restart mid-fetch, recording every bounce and reply exactly once", { timeout: SOAK ? 900_000 : 240_000 }, async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const domain = `fault-imap-${suffix}.example`;
    const bounceFolder = `Bounces-${suffix}`;
    const mailbox = await callOk<{ id: number }>(client, "mailboxes", {
      action: "create",
      payload: {
        name: "Fault IMAP", from_name: "Fault", from_email: MAILBOX,
        smtp_host: smtp.host, smtp_port: smtp.port, smtp_security: "none", smtp_username: smtp.user, smtp_password: smtp.password,
        imap_host: "127.0.0.1", imap_port: proxyPort, imap_security: "none", imap_username: IMAP_USER, imap_password: IMAP_PASSWORD,
        sent_folder: `Sent-${suffix}`, bounce_folder: bounceFolder,
      },
    });
    await withImap((c) => c.mailboxCreate(bounceFolder));
    const campaign = await callOk<{ id: number }>(client, "campaigns", {
      action: "create",
      payload: { name: "Fault IMAP", subject: "Hi", mailbox_id: mailbox.id, template_markdown: "Hello {{recipient.name}}" },
    });
    const emails = Array.from({ length: RECIPIENTS }, (_, i) => `r${i}@${domain}`);
    for (let i = 0; i < emails.length; i += 1000) {
      await callOk(client, "campaigns", { action: "post_recipients", payload: { campaign_id: campaign.id, recipients: emails.slice(i, i + 1000) } });
    }
    await callOk(client, "campaigns", { action: "send", payload: { campaign_id: campaign.id } });
    await vi.waitFor(
      async () => expect(await callOk<{ state: string }>(client, "campaigns", { action: "status", payload: { campaign_id: campaign.id } })).toMatchObject({ state: "done" }),
      { timeout: 120_000, interval: 500 },
    );
    // Let the Sent-folder appends finish first, so the armed fault lands in a sync, not an append.
    await vi.waitFor(
      async () => expect(await withImap(async (c) => ((await c.status(`Sent-${suffix}`, { messages: true })) || { messages: 0 }).messages)).toBe(RECIPIENTS),
      { timeout: 120_000, interval: 500 },
    );
    const sink = (await (await fetch(`${smtp.controlUrl}/messages`)).json()) as { messages: { rcptTo: string[]; raw: string }[] };
    const rawFor = new Map(sink.messages.filter((m) => m.rcptTo[0]!.endsWith(`@${domain}`)).map((m) => [m.rcptTo[0]!, m.raw]));
    expect(rawFor.size).toBe(RECIPIENTS);

    // Three quarters bounce hard, the rest reply; half of each before each fault.
    const bouncing = emails.filter((_, i) => i % 4 !== 3);
    const replying = emails.filter((_, i) => i % 4 === 3);
    const half = <T>(xs: T[], part: 0 | 1) => xs.filter((_, i) => i % 2 === part);
    const drop = (part: 0 | 1) =>
      withImap(async (c) => {
        for (const e of half(bouncing, part)) {
          await c.append(bounceFolder, hardBounceDsn({ sent: rawFor.get(e)!, mailbox: MAILBOX, recipient: e, id: `dsn-${e}`, explanation: FILLER }), []);
        }
        for (const e of half(replying, part)) {
          await c.append(bounceFolder, replyTo({ sent: rawFor.get(e)!, mailbox: MAILBOX, from: e, id: `re-${e}`, body: FILLER }), []);
        }
      });
    const tallies: SyncResult[] = [];
    const outcomes: string[] = [];

    // Fault 1: the sidecar dies mid-fetch, then comes back on its port.
    await drop(0);
    let sidecarKilled: Promise<void> = Promise.resolve();
    armed = { bytes: 0, fire: () => void (sidecarKilled = sidecar.crash()) };
    const first = await syncOnce(mailbox.id);
    outcomes.push(first ? "sidecar-fault: run completed" : "sidecar-fault: run failed");
    if (first) tallies.push(first);
    expect(armed, "the sidecar fault fired").toBeNull();
    await sidecarKilled;
    sidecar = await startSidecar({ port: sidecarPort });
    tallies.push(await syncUntilOk(mailbox.id));

    // Fault 2: dovecot restarts mid-fetch (every IMAP session drops).
    await drop(1);
    let restarted: Promise<void> = Promise.resolve();
    armed = {
      bytes: 0,
      fire: () => {
        for (const s of sockets) s.destroy();
        restarted = dovecot.restart();
      },
    };
    const second = await syncOnce(mailbox.id);
    outcomes.push(second ? "dovecot-fault: run completed" : "dovecot-fault: run failed");
    if (second) tallies.push(second);
    expect(armed, "the dovecot fault fired").toBeNull();
    await restarted;
    tallies.push(await syncUntilOk(mailbox.id));
    const last = await syncUntilOk(mailbox.id);

    const status = await callOk<{ bounced: number; replies: number }>(client, "campaigns", { action: "status", payload: { campaign_id: campaign.id } });
    const suppressed = new Set<string>();
    for (let cursor: string | null = null, pages = 0; pages === 0 || (cursor !== null && pages < 100); pages++) {
      const page: { suppressions: { email: string }[]; next_cursor: string | null } = await callOk(client, "suppressions", { action: "list", payload: cursor ? { cursor } : {} });
      for (const s of page.suppressions) suppressed.add(s.email);
      cursor = page.next_cursor;
    }
    const recordedHard = tallies.reduce((n, t) => n + t.bounces.hard, 0);
    const recordedReplies = tallies.reduce((n, t) => n + t.replies, 0);
    console.log(JSON.stringify({ figure: "imap-restarts", recipients: RECIPIENTS, bounces: bouncing.length, replies: replying.length, outcomes, recorded_hard: recordedHard, recorded_replies: recordedReplies, status }));

    expect(status).toMatchObject({ bounced: bouncing.length, replies: replying.length });
    expect(bouncing.filter((e) => !suppressed.has(e))).toEqual([]);
    expect(replying.filter((e) => suppressed.has(e))).toEqual([]);
    // An interrupted run may have recorded part of its events before failing; the catch-up run must not
    // count those again, so the successful runs' tallies never exceed the events; a final run finds nothing.
    expect(recordedHard).toBeLessThanOrEqual(bouncing.length);
    expect(recordedReplies).toBeLessThanOrEqual(replying.length);
    expect(last).toMatchObject({ bounces: { hard: 0 }, replies: 0 });
  });
});
