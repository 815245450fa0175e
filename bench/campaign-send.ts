/**
 * Campaign send throughput: 10,000 recipients through the real pipeline (MCP import in 10 calls →
 * send → send-queue consumer → SMTP) into a loopback sink, against a raw nodemailer pool
 * (5 connections) replaying the very same rendered messages into the same sink in the same run.
 * Prints both throughputs, their ratio (issue 6 target ≥ 0.8×) and duplicate deliveries (target 0).
 *
 *   npx tsx bench/campaign-send.ts            (BENCH_RECIPIENTS=10000 by default)
 */
import nodemailer from "nodemailer";
import { callOk, connectMcp } from "../test/support/mcp";
import { startSmtpSink, SINK_PASSWORD, SINK_USER } from "../test/support/smtp-sink";
import { startWorker } from "../test/support/worker";

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 10_000);
const BATCH = 1000;
const POLL_MS = 100;

async function main(): Promise<void> {
  const sink = await startSmtpSink();
  const worker = await startWorker();
  const client = await connectMcp(worker.url, worker.token);
  try {
    const mailbox = await callOk<{ id: number }>(client, "mailboxes", {
      action: "create",
      payload: {
        name: "bench", from_name: "Bench", from_email: "bench@bench.example", smtp_host: "127.0.0.1",
        smtp_port: sink.smtpPort, smtp_security: "none", smtp_username: SINK_USER, smtp_password: SINK_PASSWORD,
        imap_host: "127.0.0.1", imap_port: 993, imap_security: "tls", imap_username: "x", imap_password: "x",
      },
    });
    const campaign = await callOk<{ id: number }>(client, "campaigns", {
      action: "create",
      payload: {
        name: "Bench", subject: "Hello {{recipient.name}}", mailbox_id: mailbox.id,
        template_markdown: "Hi **{{recipient.name}}**,\n\nNews for {{recipient.meta.plan}} users. [Read](https://example.org/a) · [More](https://example.org/b)",
      },
    });
    const importStart = performance.now();
    for (let i = 0; i < RECIPIENTS; i += BATCH) {
      const recipients = Array.from({ length: Math.min(BATCH, RECIPIENTS - i) }, (_, j) => ({
        email: `r${i + j}@bench-rcpt.example`,
        name: `Reader ${i + j}`,
        meta: { plan: j % 2 ? "pro" : "free" },
      }));
      await callOk(client, "campaigns", { action: "post_recipients", payload: { campaign_id: campaign.id, recipients } });
    }
    const importMs = performance.now() - importStart;

    const sendStart = performance.now();
    await callOk(client, "campaigns", { action: "send", payload: { campaign_id: campaign.id } });
    let status: { state: string; sent: number; failed: number };
    do {
      await new Promise((r) => setTimeout(r, POLL_MS));
      status = await callOk(client, "campaigns", { action: "status", payload: { campaign_id: campaign.id } });
    } while (status.state === "sending");
    const oursMs = performance.now() - sendStart;
    const delivered = [...sink.messages];
    const duplicates = delivered.length - new Set(delivered.map((m) => m.rcptTo.join(","))).size;

    sink.reset();
    const pool = nodemailer.createTransport({
      host: "127.0.0.1", port: sink.smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 5,
      maxMessages: Infinity, auth: { user: SINK_USER, pass: SINK_PASSWORD },
    });
    const baseStart = performance.now();
    await Promise.all(delivered.map((m) => pool.sendMail({ envelope: { from: m.mailFrom, to: m.rcptTo }, raw: m.raw })));
    const baseMs = performance.now() - baseStart;
    pool.close();

    const ours = (status.sent / oursMs) * 1000;
    const base = (delivered.length / baseMs) * 1000;
    console.log(`recipients ${RECIPIENTS}: import ${(importMs / 1000).toFixed(1)} s in ${Math.ceil(RECIPIENTS / BATCH)} calls`);
    console.log(`pigeonhole  ${status.state}: sent ${status.sent}, failed ${status.failed} in ${(oursMs / 1000).toFixed(1)} s → ${ours.toFixed(0)} msg/s`);
    console.log(`nodemailer  pool(5): ${sink.messages.length} in ${(baseMs / 1000).toFixed(1)} s → ${base.toFixed(0)} msg/s`);
    console.log(`ratio ${(ours / base).toFixed(2)}x (target ≥ 0.80x) · duplicates ${duplicates} (target 0)`);
  } finally {
    await client.close();
    await worker.stop();
    await sink.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
