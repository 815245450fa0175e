/** Small named builders for campaign tests: a mailbox on the SMTP sink, a campaign, sink queries. */
import { env } from "cloudflare:test";
import { inject } from "vitest";
import { createCampaign, createMailbox, type CampaignInput, type MailboxInput } from "../../src/campaigns";
import { createDb, type Db } from "../../src/db";

const { smtp, imap } = inject("mailServers");

export interface SinkMessage {
  mailFrom: string;
  mailFromArgs: Record<string, string>;
  rcptTo: string[];
  rcptArgs: Record<string, Record<string, string>>;
  raw: string;
}

export function testDb(): Db {
  return createDb(env.DB);
}

/** A unique domain per test so parallel test files sharing the sink never see each other's mail. */
export function uniqueDomain(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}.example`;
}

export function sinkMailbox(overrides: Partial<MailboxInput> = {}): MailboxInput {
  return {
    name: "Sink",
    from_name: "Pigeon News",
    from_email: "news@sender.example",
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
    ...overrides,
  };
}

export async function sinkCampaign(db: Db, overrides: Partial<CampaignInput> = {}, mailbox: Partial<MailboxInput> = {}) {
  const box = await createMailbox(db, env, sinkMailbox(mailbox));
  return createCampaign(db, {
    name: "Autumn news",
    subject: "Hello {{recipient.name}}",
    mailbox_id: box.id,
    template_markdown: "Hi **{{recipient.name}}**, your plan is {{recipient.meta.plan}}.\n\n[Read more](https://example.org/news?a=1&b=2)",
    ...overrides,
  });
}

export async function sinkMessagesFor(domain: string): Promise<SinkMessage[]> {
  const res = await fetch(`${smtp.controlUrl}/messages`);
  const { messages } = (await res.json()) as { messages: SinkMessage[] };
  return messages.filter((m) => m.rcptTo.some((r) => r.endsWith(`@${domain}`)));
}

export async function sinkRule(rule: { rcpt: string; code: number; message: string; stage?: "rcpt" | "data"; times?: number }) {
  await fetch(`${smtp.controlUrl}/rules`, { method: "POST", body: JSON.stringify(rule) });
}

/** Header value of a raw message (first occurrence, unfolded). */
export function headerOf(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]+/g, " ");
  const line = head.split("\r\n").find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

export function headerCount(raw: string, name: string): number {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
  return head.split("\r\n").filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).length;
}

/** Decodes quoted-printable soft breaks and escapes. */
export function decodeQp(text: string): string {
  const bytes = text.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return new TextDecoder().decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
}
