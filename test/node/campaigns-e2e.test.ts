/**
 * Campaigns end to end: real wrangler dev (local D1 and Queues), the MCP SDK client, the SMTP sink.
 * create mailbox → campaign → import → send → the send-queue consumer delivers → status done.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { callError, callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
const { smtp, imap } = inject("mailServers");
let client: Client;

interface SinkMessage {
  rcptTo: string[];
  raw: string;
}

beforeAll(async () => {
  client = await connectMcp(url, token);
});
afterAll(async () => {
  await client.close();
});

async function sinkMessagesFor(domain: string): Promise<SinkMessage[]> {
  const { messages } = (await (await fetch(`${smtp.controlUrl}/messages`)).json()) as { messages: SinkMessage[] };
  return messages.filter((m) => m.rcptTo.some((r) => r.endsWith(`@${domain}`)));
}

async function newCampaign(): Promise<{ id: number; mailbox_id: number }> {
  const mailbox = await callOk<{ id: number; has_smtp_password: boolean }>(client, "mailboxes", {
    action: "create",
    payload: {
      name: "Sink",
      from_name: "E2E News",
      from_email: "news@e2e.example",
      smtp_host: smtp.host,
      smtp_port: smtp.port,
      smtp_security: "none",
      smtp_username: smtp.user,
      smtp_password: smtp.password,
      imap_host: imap.host,
      imap_port: imap.port,
      imap_security: "none",
      imap_username: imap.user,
      imap_password: imap.password,
    },
  });
  expect(mailbox.has_smtp_password).toBe(true);
  expect(JSON.stringify(mailbox)).not.toContain(smtp.password);
  return callOk(client, "campaigns", {
    action: "create",
    payload: { name: "E2E", subject: "Hi {{recipient.name}}", mailbox_id: mailbox.id, template_markdown: "Hello {{recipient.name}}! [Site](https://example.org/)" },
  });
}

describe("campaign tools over MCP", () => {
  it("publishes the four campaign tools with top-level object schemas and an action enum", async () => {
    const { tools } = await client.listTools();
    for (const name of ["mailboxes", "campaigns", "campaign_mailbox", "suppressions"]) {
      const tool = tools.find((t) => t.name === name)!;
      expect(tool.inputSchema.type, name).toBe("object");
    }
    const campaigns = tools.find((t) => t.name === "campaigns")!;
    expect((campaigns.inputSchema.properties as { action: { enum: string[] } }).action.enum).toEqual(
      expect.arrayContaining(["create", "post_recipients", "send", "status", "pause", "resume", "cancel", "clone"]),
    );
  });

  it("sends a campaign through the queue and reports done with a summary", async () => {
    const domain = `e2e-${crypto.randomUUID().slice(0, 8)}.example`;
    const campaign = await newCampaign();
    const recipients = [...Array.from({ length: 120 }, (_, i) => `Reader ${i} <r${i}@${domain}>`), `r1@${domain}`, "nope"];
    const imported = await callOk<{ created: number; skipped: number; invalid: unknown[] }>(client, "campaigns", {
      action: "post_recipients",
      payload: { campaign_id: campaign.id, recipients },
    });
    expect(imported).toMatchObject({ created: 120, skipped: 1 });
    expect(imported.invalid).toHaveLength(1);
    const started = await callOk(client, "campaigns", { action: "send", payload: { campaign_id: campaign.id } });
    expect(started).toMatchObject({ state: "sending", queued: 120 });
    const done = await vi.waitFor(
      async () => {
        const status = await callOk<{ state: string; sent: number; summary: string }>(client, "campaigns", {
          action: "status",
          payload: { campaign_id: campaign.id },
        });
        expect(status.state).toBe("done");
        return status;
      },
      { timeout: 60_000, interval: 250 },
    );
    expect(done.sent).toBe(120);
    expect(done.summary).toContain("120 of 120 sent");
    const messages = await sinkMessagesFor(domain);
    expect(messages).toHaveLength(120);
    expect(new Set(messages.map((m) => m.rcptTo[0])).size).toBe(120);
    expect(messages[0]!.raw).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  });

  it("rejects CR/LF in a subject with INVALID_ARGUMENT and a bad action with INVALID_ARGUMENT", async () => {
    const campaign = await newCampaign();
    const crlf = await callError(client, "campaigns", {
      action: "update",
      payload: { id: campaign.id, subject: "Hi\r\nBcc: victim@ex.com" },
    });
    expect(crlf.type).toBe("INVALID_ARGUMENT");
    expect(crlf.message).toContain("subject");
    const unknown = await callError(client, "campaigns", { action: "explode", payload: {} });
    expect(unknown.type).toBe("INVALID_ARGUMENT");
  });

  it("verifies a mailbox with a wrong password without echoing it", async () => {
    const mailbox = await callOk<{ id: number }>(client, "mailboxes", {
      action: "create",
      payload: {
        name: "Bad", from_name: "B", from_email: "b@e2e.example", smtp_host: smtp.host, smtp_port: smtp.port,
        smtp_security: "none", smtp_username: smtp.user, smtp_password: "Zebra-wrong-77", imap_host: imap.host,
        imap_port: imap.port, imap_security: "none", imap_username: imap.user, imap_password: "Zebra-wrong-78",
      },
    });
    const result = await callOk<{ smtp: { ok: boolean; error: string }; imap: { ok: boolean } }>(client, "mailboxes", {
      action: "verify",
      payload: { id: mailbox.id },
    });
    expect(result.smtp.ok).toBe(false);
    expect(result.smtp.error).toMatch(/login refused/);
    expect(result.imap.ok).toBe(false);
    expect(JSON.stringify(result)).not.toMatch(/Zebra-wrong/);
  });

  it("manages suppressions idempotently and switches a campaign's mailbox", async () => {
    const address = `s-${crypto.randomUUID().slice(0, 8)}@Supp.example`;
    const added = await callOk(client, "suppressions", { action: "add", payload: { emails: [address, address, "nope"] } });
    expect(added).toEqual({ added: 1, already: 0, invalid: ["nope"] });
    expect(await callOk(client, "suppressions", { action: "add", payload: { emails: [address] } })).toMatchObject({ added: 0, already: 1 });
    const normalised = address.replace("Supp.example", "supp.example");
    const listed = await callOk<{ suppressions: Array<{ email: string; reason: string }> }>(client, "suppressions", {
      action: "list",
      payload: { limit: 500 },
    });
    expect(listed.suppressions).toContainEqual(expect.objectContaining({ email: normalised, reason: "manual" }));
    expect(await callOk(client, "suppressions", { action: "remove", payload: { email: address } })).toEqual({ removed: true, email: normalised });

    const campaign = await newCampaign();
    const other = await newCampaign();
    // MC Pigeon's spellings keep working: read for get, new_name for clone.
    expect(await callOk(client, "campaigns", { action: "read", payload: { id: campaign.id } })).toMatchObject({ id: campaign.id });
    const copy = await callOk(client, "campaigns", { action: "clone", payload: { campaign_id: campaign.id, new_name: "Copy" } });
    expect(copy).toMatchObject({ name: "Copy", state: "draft" });
    const switched = await callOk<{ mailbox_id: number }>(client, "campaign_mailbox", { campaign_id: campaign.id, mailbox_id: other.mailbox_id });
    expect(switched.mailbox_id).toBe(other.mailbox_id);
    const missing = await callError(client, "campaign_mailbox", { campaign_id: campaign.id, mailbox_id: 99_999_999 });
    expect(missing.type).toBe("NOT_FOUND");
  });
});
