/** Small builders for the tracking tests: a mailbox, a campaign with its recipients, signed tokens. */
import { env } from "cloudflare:test";
import { campaignRecipients, campaigns, createDb, mailboxes } from "../../src/db";
import { tokenCodec, type TokenClaims, type TokenCodec } from "../../src/shared/tokens";

export const BASE = "http://127.0.0.1";

export interface CampaignFixture {
  campaignId: number;
  recipients: Array<{ id: number; email: string }>;
}

export interface CampaignOptions {
  trackOpens?: boolean;
  trackClicks?: boolean;
  anonymousCounts?: boolean;
  emails?: string[];
}

let mailboxId: number | undefined;

async function ensureMailbox(): Promise<number> {
  const db = createDb(env.DB);
  const now = new Date().toISOString();
  const [row] = await db
    .insert(mailboxes)
    .values({
      name: "tracking tests",
      fromName: "Sender",
      fromEmail: "sender@example.com",
      smtpHost: "127.0.0.1",
      smtpPort: 2525,
      smtpSecurity: "none",
      smtpUsername: "u",
      smtpPasswordCt: "x",
      smtpPasswordIv: "x",
      imapHost: "127.0.0.1",
      imapPort: 1143,
      imapSecurity: "none",
      imapUsername: "u",
      imapPasswordCt: "x",
      imapPasswordIv: "x",
      createdAt: now,
      updatedAt: now,
    })
    .returning({ id: mailboxes.id });
  mailboxId = row!.id;
  return mailboxId;
}

/** A sent campaign with one recipient per email (defaults to two unique addresses). */
export async function seedCampaign(options: CampaignOptions = {}): Promise<CampaignFixture> {
  const db = createDb(env.DB);
  const now = new Date().toISOString();
  const [campaign] = await db
    .insert(campaigns)
    .values({
      name: `c-${crypto.randomUUID()}`,
      subject: "Hello",
      mailboxId: await ensureMailbox(),
      templateMarkdown: "Hi",
      state: "sending",
      trackOpens: options.trackOpens ?? true,
      trackClicks: options.trackClicks ?? true,
      anonymousCounts: options.anonymousCounts ?? false,
      createdAt: now,
      updatedAt: now,
    })
    .returning({ id: campaigns.id });
  const emails = options.emails ?? [`a-${crypto.randomUUID()}@example.com`, `b-${crypto.randomUUID()}@example.com`];
  const recipients = await db
    .insert(campaignRecipients)
    .values(
      emails.map((email) => ({
        campaignId: campaign!.id,
        email,
        state: "sent" as const,
        token: crypto.randomUUID(),
        createdAt: now,
        updatedAt: now,
      })),
    )
    .returning({ id: campaignRecipients.id, email: campaignRecipients.email });
  return { campaignId: campaign!.id, recipients };
}

export function codec(): Promise<TokenCodec> {
  return tokenCodec(env.TRACKING_SIGNING_KEYS);
}

export async function sign(claims: TokenClaims): Promise<string> {
  return (await codec()).sign(claims);
}

/** A codec with a key the deployment does not know, under a kid it does know. */
export function foreignCodec(): Promise<TokenCodec> {
  return tokenCodec("2:Zm9yZWlnbi1rZXktZm9yZWlnbi1rZXktZm9yZWlnbg");
}

export async function counters(campaignId: number) {
  return env.DB.prepare(
    `SELECT opened_unique, opened_total, clicked_unique, clicked_total, unsubscribed FROM campaign_counters WHERE campaign_id = ?`,
  )
    .bind(campaignId)
    .first<{ opened_unique: number; opened_total: number; clicked_unique: number; clicked_total: number; unsubscribed: number }>();
}

export async function events(campaignId: number) {
  const { results } = await env.DB.prepare(
    `SELECT recipient_id, kind, link_index, is_bot, detail, dedupe_key FROM campaign_events WHERE campaign_id = ? ORDER BY id`,
  )
    .bind(campaignId)
    .all<{ recipient_id: number | null; kind: string; link_index: number | null; is_bot: number; detail: string; dedupe_key: string }>();
  return results;
}
