/** Mailboxes, campaigns, recipients and rendering: validation, secrets, SSRF policy, verify, dry_run and test_to. */
import { env } from "cloudflare:test";
import { inject, describe, expect, it } from "vitest";
import {
  addRecipient,
  cloneCampaign,
  createCampaign,
  createMailbox,
  deleteMailbox,
  getMailbox,
  importRecipients,
  listRecipients,
  recipientsFromCsv,
  sendCampaign,
  sendPorts,
  updateCampaign,
  updateMailbox,
  verifyMailbox,
} from "../../src/campaigns";
import { assertMailHostAllowed } from "../../src/campaigns/host-policy";
import { AppError } from "../../src/shared/errors";
import { headerCount, headerOf, sinkCampaign, sinkMailbox, sinkMessagesFor, testDb, uniqueDomain } from "./campaign-fixtures";

const { smtp } = inject("mailServers");

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

interface Rendering {
  to: string;
  subject: string;
  headers: Array<{ name: string; value: string }>;
  html: string;
  text: string;
}

describe("mailboxes", () => {
  it("stores passwords only as AES-GCM ciphertext and never returns them", async () => {
    const db = testDb();
    const mailbox = await createMailbox(db, env, sinkMailbox({ smtp_password: "smtp-Secret-4711", imap_password: "imap-Secret-4711" }));
    expect(mailbox).toMatchObject({ has_smtp_password: true, has_imap_password: true });
    expect(JSON.stringify(mailbox)).not.toMatch(/Secret-4711/);
    const row = await env.DB.prepare("SELECT * FROM mailboxes WHERE id = ?").bind(mailbox.id).first();
    expect(JSON.stringify(row)).not.toMatch(/Secret-4711/);
    const updated = await updateMailbox(db, env, { id: mailbox.id, name: "Renamed" });
    expect(updated.name).toBe("Renamed");
    const again = await env.DB.prepare("SELECT smtp_password_ct FROM mailboxes WHERE id = ?").bind(mailbox.id).first<{ smtp_password_ct: string }>();
    expect(again!.smtp_password_ct).toBe((row as { smtp_password_ct: string }).smtp_password_ct);
  });

  it("verifies real SMTP and IMAP logins and lists folders", async () => {
    const db = testDb();
    const mailbox = await createMailbox(db, env, sinkMailbox());
    const result = await verifyMailbox(db, env, mailbox.id);
    expect(result.smtp).toEqual({ ok: true });
    expect(result.imap.ok).toBe(true);
    expect(result.imap.folders).toContain("INBOX");
  });

  it("reports a wrong password in words without echoing it", async () => {
    const db = testDb();
    const mailbox = await createMailbox(db, env, sinkMailbox({ smtp_password: "hunter2-wrong", imap_password: "hunter3-wrong" }));
    const result = await verifyMailbox(db, env, mailbox.id);
    expect(result.smtp.ok).toBe(false);
    expect(result.smtp.error).toMatch(/SMTP login refused \(wrong smtp_username or smtp_password\?\).*535/);
    expect(result.imap.ok).toBe(false);
    expect(result.imap.error).toMatch(/IMAP login refused/);
    expect(JSON.stringify(result)).not.toMatch(/hunter[23]-wrong|aHVudGVy/);
  });

  it("refuses private, loopback, link-local and metadata hosts with FORBIDDEN unless allowed", async () => {
    const strict = { ALLOW_PRIVATE_MAIL_HOSTS: "false" };
    const hosts = ["127.0.0.1", "localhost", "0.0.0.0", "[::1]", "::1", "10.1.2.3", "172.16.0.9", "192.168.1.1",
      "169.254.169.254", "fc00::1", "fe80::1", "::ffff:127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "100.64.0.1", "mail.internal"];
    for (const host of hosts) {
      const err = await errorOf(assertMailHostAllowed(strict, "smtp", host, 587));
      expect(err.type, host).toBe("FORBIDDEN");
      expect(err.details).toMatchObject({ reason: "host_forbidden", field: "smtp_host" });
    }
    expect((await errorOf(assertMailHostAllowed(strict, "smtp", "203.0.113.9", 25))).type).toBe("FORBIDDEN");
    await expect(assertMailHostAllowed(strict, "smtp", "8.8.8.8", 587)).resolves.toBeUndefined();
    await expect(assertMailHostAllowed(env, "smtp", "127.0.0.1", smtp.port)).resolves.toBeUndefined();
    const err = await errorOf(createMailbox(testDb(), { ...env, ALLOW_PRIVATE_MAIL_HOSTS: "false" }, sinkMailbox()));
    expect(err.type).toBe("FORBIDDEN");
  });

  it("rejects line breaks in credentials (IMAP command injection) with INVALID_ARGUMENT", async () => {
    const err = await errorOf(createMailbox(testDb(), env, sinkMailbox({ imap_password: 'x"\r\na2 DELETE INBOX' })));
    expect(err).toMatchObject({ type: "INVALID_ARGUMENT", details: { field: "imap_password" } });
    expect(err.message).not.toContain("DELETE");
  });

  it("refuses to delete a mailbox a campaign uses with CONFLICT", async () => {
    const db = testDb();
    const campaign = await sinkCampaign(db);
    expect((await errorOf(deleteMailbox(db, campaign.mailbox_id))).type).toBe("CONFLICT");
    expect((await getMailbox(db, campaign.mailbox_id)).id).toBe(campaign.mailbox_id);
  });
});

describe("campaign input", () => {
  it("rejects CR/LF in subject, name, preheader and custom headers with INVALID_ARGUMENT", async () => {
    const db = testDb();
    const box = await createMailbox(db, env, sinkMailbox());
    const base = { name: "N", subject: "S", mailbox_id: box.id, template_markdown: "hi" };
    for (const bad of [
      { subject: "Hi\r\nBcc: victim@ex.com" },
      { name: "News\nX-Evil: 1" },
      { preheader: "a\u2028b" },
      { headers: { "X-Campaign": "a\r\nBcc: x@ex.com" } },
    ]) {
      const err = await errorOf(createCampaign(db, { ...base, ...bad }));
      expect(err.type).toBe("INVALID_ARGUMENT");
    }
    expect((await errorOf(createCampaign(db, { ...base, headers: { Bcc: "x@ex.com" } }))).type).toBe("INVALID_ARGUMENT");
    const broken = await errorOf(createCampaign(db, { ...base, template_markdown: "{{#items}} unclosed" }));
    expect(broken).toMatchObject({ type: "INVALID_ARGUMENT", details: { field: "template_markdown" } });
    const campaign = await createCampaign(db, base);
    expect((await errorOf(updateCampaign(db, { id: campaign.id, subject: "a\rb" }))).type).toBe("INVALID_ARGUMENT");
    expect((await errorOf(addRecipient(db, campaign.id, { email: "ok@ex.com", name: "Ada\r\nBcc: x@ex.com" }))).type).toBe("INVALID_ARGUMENT");
    const imported = await importRecipients(db, campaign.id, ["Ada\nEvil <ada@ex.com>", { email: "b@ex.com", name: "B\r\n" }]);
    expect(imported.invalid.map((i) => i.reason)).toEqual(["contains a line break", "name contains a line break"]);
  });

  it("imports CSV with meta columns, caps a call at 1,000 and reports the remainder", async () => {
    const db = testDb();
    const campaign = await sinkCampaign(db);
    const csv = 'email,name,meta.plan,meta.city\r\nada@ex.com,"Lovelace, Ada",pro,London\nbob@EX.com,Bob,,Paris\nbroken,,x,y\n';
    const result = await importRecipients(db, campaign.id, recipientsFromCsv(csv));
    expect(result).toMatchObject({ created: 2, skipped: 0, remaining: 0 });
    expect(result.invalid).toEqual([{ index: 2, input: "broken", reason: "not a valid email address" }]);
    const { recipients } = await listRecipients(db, campaign.id, {});
    expect(recipients.map((r) => [r.email, r.name, r.meta])).toEqual([
      ["ada@ex.com", "Lovelace, Ada", { plan: "pro", city: "London" }],
      ["bob@ex.com", "Bob", { city: "Paris" }],
    ]);
    const many = Array.from({ length: 1005 }, (_, i) => `m${i}@ex.com`);
    expect(await importRecipients(db, campaign.id, many)).toMatchObject({ created: 1000, remaining: 5 });
    expect(await importRecipients(db, campaign.id, many.slice(1000))).toMatchObject({ created: 5, remaining: 0 });
    expect(await importRecipients(db, campaign.id, ["New Name <ada@ex.com>"], "update_name")).toMatchObject({ created: 0, updated: 1 });
    expect((await listRecipients(db, campaign.id, { limit: 1 })).recipients[0]!.name).toBe("New Name");
  });

  it("clones template and settings into a new draft without recipients", async () => {
    const db = testDb();
    const campaign = await sinkCampaign(db, { track_opens: false });
    await importRecipients(db, campaign.id, ["a@ex.com"]);
    const copy = await cloneCampaign(db, campaign.id);
    expect(copy).toMatchObject({ name: "Autumn news (copy)", state: "draft", track_opens: false, template_markdown: campaign.template_markdown });
    expect((await listRecipients(db, copy.id, {})).recipients).toHaveLength(0);
  });
});

describe("rendering", () => {
  it("dry_run renders without sending: one To, contract headers, visible unsubscribe link, no Bcc", async () => {
    const db = testDb();
    const campaign = await sinkCampaign(db, { preheader: "Short preview" });
    await importRecipients(db, campaign.id, [{ email: "ada@ex.com", name: "Ada", meta: { plan: "<b>pro</b>" } }]);
    const result = (await sendCampaign(await sendPorts(env, db), { campaign_id: campaign.id, dry_run: true })) as {
      renderings: Rendering[];
    };
    const [r] = result.renderings;
    const names = r!.headers.map((h) => h.name);
    expect(names.filter((n) => n === "To")).toHaveLength(1);
    expect(names).not.toContain("Bcc");
    expect(names).toEqual(expect.arrayContaining(["List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Feedback-ID", "Precedence", "X-Pigeonhole-Msg", "Message-ID"]));
    expect(r!.subject).toBe("Hello Ada");
    expect(r!.html).toContain("&lt;b&gt;pro&lt;/b&gt;");
    expect(r!.html).toContain("Short preview");
    expect(r!.html).toMatch(/<a href="http:[^"]+\/u\/[A-Za-z0-9_-]+">Unsubscribe<\/a>/);
    expect(r!.text).toMatch(/Unsubscribe \(http:[^)]+\/u\/[A-Za-z0-9_-]+\)/);
    expect(r!.text).toContain("your plan is <b>pro</b>");
    expect((await listRecipients(db, campaign.id, {})).recipients[0]!.state).toBe("queued");
  });

  it("honours the privacy switches and does not add a second unsubscribe link", async () => {
    const db = testDb();
    const campaign = await sinkCampaign(db, {
      track_opens: false,
      track_clicks: false,
      precedence_bulk: false,
      template_markdown: "Read [this](https://example.org/a). [Leave]({{{unsubscribe_url}}})",
    });
    const result = (await sendCampaign(await sendPorts(env, db), { campaign_id: campaign.id, dry_run: true })) as {
      renderings: Rendering[];
    };
    const [r] = result.renderings;
    expect(r!.html).toContain('href="https://example.org/a"');
    expect(r!.html).not.toContain("/t/o/");
    expect(r!.html.match(/\/u\//g)).toHaveLength(1);
    expect(r!.headers.map((h) => h.name)).not.toContain("Precedence");
  });

  it("test_to sends one real rendering to that address and leaves the campaign a draft", async () => {
    const db = testDb();
    const domain = uniqueDomain("testto");
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, [`Ada <ada@${domain}>`]);
    const result = await sendCampaign(await sendPorts(env, db), { campaign_id: campaign.id, test_to: `me@${domain}` });
    expect(result).toMatchObject({ sent: true, test_to: `me@${domain}` });
    const messages = await sinkMessagesFor(domain);
    expect(messages.map((m) => m.rcptTo)).toEqual([[`me@${domain}`]]);
    expect(headerOf(messages[0]!.raw, "To")).toBe(`"Ada" <me@${domain}>`);
    expect(headerCount(messages[0]!.raw, "Bcc")).toBe(0);
    expect((await listRecipients(db, campaign.id, {})).recipients[0]!.state).toBe("queued");
  });

  it("encodes non-ASCII subjects and display names as RFC 2047 words", async () => {
    const db = testDb();
    const campaign = await sinkCampaign(db, { subject: "Grüße, {{recipient.name}}" });
    await importRecipients(db, campaign.id, [{ email: "zoe@ex.com", name: "Zoë \"Z\" Ö" }]);
    const result = (await sendCampaign(await sendPorts(env, db), { campaign_id: campaign.id, dry_run: true })) as {
      renderings: Rendering[];
    };
    const header = (name: string) => result.renderings[0]!.headers.find((h) => h.name === name)!.value;
    expect(header("Subject")).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    const decoded = new TextDecoder().decode(Uint8Array.from(atob(header("Subject").slice(10, -2)), (c) => c.charCodeAt(0)));
    expect(decoded).toBe('Grüße, Zoë "Z" Ö');
    expect(header("To")).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <zoe@ex\.com>$/);
  });
});

describe("campaign state", () => {
  it("refuses content changes and mailbox switches while sending with CONFLICT", async () => {
    const db = testDb();
    const campaign = await sinkCampaign(db);
    await importRecipients(db, campaign.id, ["a@ex.com"]);
    const ports = { ...(await sendPorts(env, db)), enqueue: async () => undefined };
    await sendCampaign(ports, { campaign_id: campaign.id });
    expect((await errorOf(updateCampaign(db, { id: campaign.id, subject: "New" }))).type).toBe("CONFLICT");
    expect((await errorOf(sendCampaign(ports, { campaign_id: campaign.id }))).type).toBe("CONFLICT");
    expect((await errorOf(importRecipients(db, campaign.id, ["b@ex.com"]))).type).toBe("CONFLICT");
  });
});
