/**
 * IMAP over the whole stack: wrangler dev (real sent-append queue and consumer) → the sidecar process →
 * dovecot, driven through MCP. A sent campaign leaves its copies in the mailbox's Sent folder; a DSN and
 * a reply dropped into the bounce folder are matched by `mailboxes.sync`, which leaves them unseen.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { hardBounceDsn, replyTo } from "../support/bounce-mail";
import { callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
const { smtp, imap } = inject("mailServers");
let client: Client;

beforeAll(async () => {
  client = await connectMcp(url, token);
});
afterAll(async () => {
  await client.close();
});

async function withImap<T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user: imap.user, pass: imap.password }, logger: false });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}

async function folderFlags(folder: string): Promise<string[][]> {
  return withImap(async (c) => {
    if (!(await c.list()).some((f) => f.path === folder)) return [];
    const lock = await c.getMailboxLock(folder, { readOnly: true });
    try {
      if (c.mailbox && c.mailbox.exists === 0) return [];
      return (await c.fetchAll("1:*", { flags: true })).map((m) => [...(m.flags ?? [])]);
    } finally {
      lock.release();
    }
  });
}

interface SyncResult {
  scanned: number;
  bounces: { hard: number; soft: number; block: number; deferred: number };
  auto_replies: number;
  replies: number;
  unmatched: number;
}

describe("IMAP through MCP, the queue and the sidecar", () => {
  it("appends Sent copies, then sync matches a DSN and a reply without marking them seen", async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const domain = `imap-${suffix}.example`;
    const [sentFolder, bounceFolder] = [`Sent-e2e-${suffix}`, `Bounces-e2e-${suffix}`];
    const mailbox = await callOk<{ id: number }>(client, "mailboxes", {
      action: "create",
      payload: {
        name: "IMAP e2e", from_name: "E2E", from_email: "news@imap-e2e.example",
        smtp_host: smtp.host, smtp_port: smtp.port, smtp_security: "none", smtp_username: smtp.user, smtp_password: smtp.password,
        imap_host: imap.host, imap_port: imap.port, imap_security: "none", imap_username: imap.user, imap_password: imap.password,
        sent_folder: sentFolder, bounce_folder: bounceFolder,
      },
    });
    await withImap((c) => c.mailboxCreate(bounceFolder));
    const verified = await callOk<{ imap: { ok: boolean; folders: string[] } }>(client, "mailboxes", { action: "verify", payload: { id: mailbox.id } });
    expect(verified.imap.ok).toBe(true);
    expect(verified.imap.folders).toContain(bounceFolder);

    const campaign = await callOk<{ id: number }>(client, "campaigns", {
      action: "create",
      payload: { name: "IMAP", subject: "Hi", mailbox_id: mailbox.id, template_markdown: "Hello {{recipient.name}}" },
    });
    await callOk(client, "campaigns", { action: "post_recipients", payload: { campaign_id: campaign.id, recipients: [`gone@${domain}`, `fan@${domain}`] } });
    await callOk(client, "campaigns", { action: "send", payload: { campaign_id: campaign.id } });

    // The sent-append queue runs in wrangler dev; its effect is observable in dovecot.
    const sentFlags = await vi.waitFor(
      async () => {
        const flags = await folderFlags(sentFolder);
        expect(flags).toHaveLength(2);
        return flags;
      },
      { timeout: 60_000, interval: 500 },
    );
    for (const f of sentFlags) expect(f).toContain("\\Seen");

    const sink = (await (await fetch(`${smtp.controlUrl}/messages`)).json()) as { messages: { rcptTo: string[]; raw: string }[] };
    const sentTo = (who: string) => sink.messages.find((m) => m.rcptTo[0] === `${who}@${domain}`)!.raw;
    const gone = sentTo("gone");
    const fan = sentTo("fan");
    const dsn = hardBounceDsn({ sent: gone, mailbox: "news@imap-e2e.example", recipient: `gone@${domain}`, id: `dsn-${suffix}` });
    const reply = replyTo({ sent: fan, mailbox: "news@imap-e2e.example", from: `fan@${domain}`, id: `reply-${suffix}`, body: "Love it" });
    await withImap(async (c) => {
      await c.append(bounceFolder, dsn, []);
      await c.append(bounceFolder, reply, []);
    });

    const synced = await callOk<SyncResult>(client, "mailboxes", { action: "sync", payload: { id: mailbox.id } });
    expect(synced).toMatchObject({ bounces: { hard: 1, soft: 0, block: 0, deferred: 0 }, replies: 1, auto_replies: 0, unmatched: 0 });
    for (const f of await folderFlags(bounceFolder)) expect(f).not.toContain("\\Seen");

    const status = await callOk<{ replies: number; bounced: number }>(client, "campaigns", { action: "status", payload: { campaign_id: campaign.id } });
    expect(status).toMatchObject({ replies: 1, bounced: 1 });
    const suppressed = await callOk<{ suppressions: { email: string }[] }>(client, "suppressions", { action: "list", payload: {} });
    expect(suppressed.suppressions.map((s) => s.email)).toContain(`gone@${domain}`);
    expect(suppressed.suppressions.map((s) => s.email)).not.toContain(`fan@${domain}`);

    const again = await callOk<SyncResult>(client, "mailboxes", { action: "sync", payload: { id: mailbox.id } });
    expect(again).toMatchObject({ bounces: { hard: 0, soft: 0, block: 0, deferred: 0 }, replies: 0, unmatched: 0 });
  });
});
