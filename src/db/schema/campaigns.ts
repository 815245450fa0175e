/**
 * D1 schema for the campaigns half: mailboxes, campaigns, their recipients, the tenant-wide
 * suppression list, tracking events, the link table and the per-mailbox send budget.
 *
 * Storage notes (what is secret, what is derived):
 * - `mailboxes.*_password_ct` / `*_password_iv`: AES-256-GCM ciphertext (base64) and its 12-byte IV
 *   (base64) under the Worker secret MAILBOX_ENCRYPTION_KEY. Plaintext passwords are never stored,
 *   returned or logged; `has_smtp_password` on the wire is derived from the ciphertext column.
 * - `campaign_recipients.token`: 16 random bytes (base64url), the opaque local part of the stable
 *   Message-ID `<token@from-domain>`; never a database id.
 * - Recipient send state is authoritative in `campaign_recipients.state` (status counts GROUP BY it);
 *   engagement counters (opens, clicks, bounces…) live in `campaign_counters`, written by the
 *   tracking consumer and IMAP sync.
 * Timestamps are ISO-8601 UTC text.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const MAIL_SECURITY = ["starttls", "tls", "none"] as const;
export type MailSecurity = (typeof MAIL_SECURITY)[number];

export const CAMPAIGN_STATES = ["draft", "sending", "paused", "done", "cancelled"] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/** queued → sending → sent | failed | skipped; `sending` is held only while one SMTP transaction runs. */
export const RECIPIENT_STATES = ["queued", "sending", "sent", "failed", "skipped"] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];

/** soft_bounce: repeated soft bounces (see imap/record.ts), told apart from a single permanent failure. */
export const SUPPRESSION_REASONS = ["unsubscribe", "hard_bounce", "soft_bounce", "complaint", "manual"] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export const CAMPAIGN_EVENT_KINDS = [
  "open",
  "click",
  "unsubscribe",
  "bounce_hard",
  "bounce_soft",
  "bounce_block",
  "deferred",
  "auto_reply",
  "reply",
  "complaint",
] as const;
export type CampaignEventKind = (typeof CAMPAIGN_EVENT_KINDS)[number];

/** The deployment's single tenant until multi-tenancy lands; part of Feedback-ID and suppression scope. */
export const DEFAULT_TENANT = "default";

export const mailboxes = sqliteTable("mailboxes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  tenant: text("tenant").notNull().default(DEFAULT_TENANT),
  name: text("name").notNull(),
  fromName: text("from_name").notNull(),
  fromEmail: text("from_email").notNull(),
  replyTo: text("reply_to"),
  smtpHost: text("smtp_host").notNull(),
  smtpPort: integer("smtp_port").notNull(),
  smtpSecurity: text("smtp_security", { enum: MAIL_SECURITY }).notNull(),
  smtpUsername: text("smtp_username").notNull(),
  smtpPasswordCt: text("smtp_password_ct").notNull(),
  smtpPasswordIv: text("smtp_password_iv").notNull(),
  imapHost: text("imap_host").notNull(),
  imapPort: integer("imap_port").notNull(),
  imapSecurity: text("imap_security", { enum: MAIL_SECURITY }).notNull(),
  imapUsername: text("imap_username").notNull(),
  imapPasswordCt: text("imap_password_ct").notNull(),
  imapPasswordIv: text("imap_password_iv").notNull(),
  sentFolder: text("sent_folder").notNull().default("Sent"),
  bounceFolder: text("bounce_folder").notNull().default("INBOX"),
  /** null = unlimited; enforced across consumers through mailbox_send_budget. */
  ratePerMinute: integer("rate_per_minute"),
  dailyCap: integer("daily_cap"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const campaigns = sqliteTable(
  "campaigns",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenant: text("tenant").notNull().default(DEFAULT_TENANT),
    name: text("name").notNull(),
    subject: text("subject").notNull(),
    preheader: text("preheader"),
    mailboxId: integer("mailbox_id")
      .notNull()
      .references(() => mailboxes.id),
    templateMarkdown: text("template_markdown").notNull(),
    /** JSON object of extra single-line headers (validated at input). */
    headers: text("headers").notNull().default("{}"),
    state: text("state", { enum: CAMPAIGN_STATES }).notNull().default("draft"),
    trackOpens: integer("track_opens", { mode: "boolean" }).notNull().default(true),
    trackClicks: integer("track_clicks", { mode: "boolean" }).notNull().default(true),
    /** Privacy switch: events are counted but never tied to a recipient. */
    anonymousCounts: integer("anonymous_counts", { mode: "boolean" }).notNull().default(false),
    /** `Precedence: bulk` is on by default (fewer auto-replies); a campaign may opt out. */
    precedenceBulk: integer("precedence_bulk", { mode: "boolean" }).notNull().default(true),
    pauseReason: text("pause_reason"),
    /** Bumped by send/resume; chunks carry it so a cancelled or superseded run's chunks are dropped. */
    runId: integer("run_id").notNull().default(0),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("campaigns_mailbox_state_idx").on(t.mailboxId, t.state)],
);

/** Engagement counters per campaign, kept by the tracking consumer and IMAP sync. */
export const campaignCounters = sqliteTable("campaign_counters", {
  campaignId: integer("campaign_id")
    .primaryKey()
    .references(() => campaigns.id, { onDelete: "cascade" }),
  openedUnique: integer("opened_unique").notNull().default(0),
  openedTotal: integer("opened_total").notNull().default(0),
  clickedUnique: integer("clicked_unique").notNull().default(0),
  clickedTotal: integer("clicked_total").notNull().default(0),
  bounced: integer("bounced").notNull().default(0),
  unsubscribed: integer("unsubscribed").notNull().default(0),
  complaints: integer("complaints").notNull().default(0),
  replies: integer("replies").notNull().default(0),
  lastEventAt: text("last_event_at"),
});

export const campaignRecipients = sqliteTable(
  "campaign_recipients",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    /** normalised: trimmed, domain lowercased. */
    email: text("email").notNull(),
    name: text("name"),
    /** JSON object, rendered as {{recipient.meta.X}}. */
    meta: text("meta").notNull().default("{}"),
    state: text("state", { enum: RECIPIENT_STATES }).notNull().default("queued"),
    /** Random, opaque; Message-ID local part. */
    token: text("token").notNull(),
    messageId: text("message_id"),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    /** While `sending`: when the claim lapses (a stale claim means the worker died mid-transaction). */
    leaseUntil: text("lease_until"),
    /** While `queued` after a 4xx: not before this time. */
    retryAt: text("retry_at"),
    sentAt: text("sent_at"),
    /** First open/click per recipient, so the tracking consumer can count uniques with a conditional UPDATE. */
    openedAt: text("opened_at"),
    clickedAt: text("clicked_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("campaign_recipients_campaign_email_uq").on(t.campaignId, t.email),
    uniqueIndex("campaign_recipients_token_uq").on(t.token),
    index("campaign_recipients_campaign_state_idx").on(t.campaignId, t.state, t.id),
    uniqueIndex("campaign_recipients_message_id_uq").on(t.messageId),
  ],
);

export const suppressions = sqliteTable(
  "suppressions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenant: text("tenant").notNull().default(DEFAULT_TENANT),
    email: text("email").notNull(),
    reason: text("reason", { enum: SUPPRESSION_REASONS }).notNull(),
    sourceCampaignId: integer("source_campaign_id").references(() => campaigns.id, { onDelete: "set null" }),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("suppressions_tenant_email_uq").on(t.tenant, t.email)],
);

/**
 * Tracking, bounce and reply events. `dedupe_key` is UNIQUE so a redelivered queue message
 * (INSERT … ON CONFLICT DO NOTHING) records nothing twice. `recipient_id` is null for
 * anonymous-count campaigns.
 */
export const campaignEvents = sqliteTable(
  "campaign_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    recipientId: integer("recipient_id").references(() => campaignRecipients.id, { onDelete: "set null" }),
    kind: text("kind", { enum: CAMPAIGN_EVENT_KINDS }).notNull(),
    linkIndex: integer("link_index"),
    isBot: integer("is_bot", { mode: "boolean" }).notNull().default(false),
    /** JSON: user agent class, SMTP status, diagnostic text… never an IP address. */
    detail: text("detail").notNull().default("{}"),
    dedupeKey: text("dedupe_key").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("campaign_events_dedupe_uq").on(t.dedupeKey),
    index("campaign_events_campaign_kind_idx").on(t.campaignId, t.kind, t.createdAt),
  ],
);

/** Links of a campaign's template in document order; link_index is what click tokens carry. */
export const campaignLinks = sqliteTable(
  "campaign_links",
  {
    campaignId: integer("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    linkIndex: integer("link_index").notNull(),
    url: text("url").notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.linkIndex] })],
);

/**
 * Send budget per mailbox and window (`m:2026-01-31T12:05` per minute, `d:2026-01-31` per day).
 * Consumers reserve with a conditional UPDATE (`used + n <= cap`), so the rate and daily cap
 * hold across concurrent consumers without a Durable Object.
 */
export const mailboxSendBudget = sqliteTable(
  "mailbox_send_budget",
  {
    mailboxId: integer("mailbox_id")
      .notNull()
      .references(() => mailboxes.id, { onDelete: "cascade" }),
    window: text("window").notNull(),
    used: integer("used").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.mailboxId, t.window] })],
);

export type MailboxRow = typeof mailboxes.$inferSelect;
export type CampaignRow = typeof campaigns.$inferSelect;
export type CampaignRecipientRow = typeof campaignRecipients.$inferSelect;
export type SuppressionRow = typeof suppressions.$inferSelect;
export type CampaignEventRow = typeof campaignEvents.$inferSelect;

