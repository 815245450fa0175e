/** The `pigeonhole campaign` CLI: argument parsing, progress formatting, and a real run against wrangler dev. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { formatDuration, formatProgress, ProgressTracker } from "../../src/cli/progress";
import { callOk, connectMcp } from "../support/mcp";

const run = promisify(execFile);
const { url, token } = inject("worker");
const { smtp, imap } = inject("mailServers");
let client: Client;

beforeAll(async () => {
  client = await connectMcp(url, token);
});
afterAll(async () => {
  await client.close();
});

function cli(args: string[], env: Record<string, string> = { PIGEONHOLE_URL: url, PIGEONHOLE_TOKEN: token }) {
  return run("node", ["bin/pigeonhole.mjs", ...args], { env: { ...process.env, ...env }, timeout: 90_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe("cli helpers", () => {
  it("formats a bar with counts, rate and ETA", () => {
    const tracker = new ProgressTracker();
    tracker.add({ state: "sending", total: 100, sent: 10, failed: 0, skipped: 0 }, 0);
    const rate = tracker.add({ state: "sending", total: 100, sent: 28, failed: 1, skipped: 1 }, 10_000);
    expect(rate).toBe(2);
    const line = formatProgress({ state: "sending", total: 100, sent: 28, failed: 1, skipped: 1 }, rate);
    expect(line).toContain(" 30% sending · sent 28 · failed 1 · skipped 1 of 100 · 2.0/s · ETA 0:35");
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});

describe("pigeonhole campaign", () => {
  it("sends a campaign and watches it to done, printing the summary", async () => {
    const domain = `cli-${crypto.randomUUID().slice(0, 8)}.example`;
    const mailbox = await callOk<{ id: number }>(client, "mailboxes", {
      action: "create",
      payload: {
        name: "Sink", from_name: "CLI", from_email: "cli@cli.example", smtp_host: smtp.host, smtp_port: smtp.port,
        smtp_security: "none", smtp_username: smtp.user, smtp_password: smtp.password, imap_host: imap.host,
        imap_port: imap.port, imap_security: "none", imap_username: imap.user, imap_password: imap.password,
      },
    });
    const campaign = await callOk<{ id: number }>(client, "campaigns", {
      action: "create",
      payload: { name: "CLI", subject: "Hi", mailbox_id: mailbox.id, template_markdown: "Hello {{recipient.email}}" },
    });
    await callOk(client, "campaigns", {
      action: "post_recipients",
      payload: { campaign_id: campaign.id, recipients: Array.from({ length: 25 }, (_, i) => `c${i}@${domain}`) },
    });
    const sent = await cli(["campaign", "send", String(campaign.id), "--watch", "--interval", "200"]);
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain("100% done · sent 25 · failed 0 · skipped 0 of 25");
    expect(sent.stdout).toContain("Finished: 25 of 25 sent");
    const status = await cli(["campaign", "status", String(campaign.id)]);
    expect(status.stdout).toContain("100% done");
  });

  it("exits 2 with a hint when no server is configured, and lists commands for an unknown one", async () => {
    const noUrl = await cli(["campaign", "status", "1"], { PIGEONHOLE_URL: "", PIGEONHOLE_TOKEN: "" });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("PIGEONHOLE_URL");
    const unknown = await cli(["campaign", "explode"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain("pigeonhole campaign send");
  });

  it("reports a tool error in words with exit code 2", async () => {
    const missing = await cli(["campaign", "status", "999999"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/NOT_FOUND: Campaign 999999 not found/);
  });
});
