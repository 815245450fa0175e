/**
 * D1 schema for IMAP sync (the sidecar reads, the Worker records):
 * - `imap_checkpoints`: per mailbox and folder, the UIDVALIDITY and last UID already recorded. Written
 *   only after the events of that batch are stored, so a crash re-reads rather than skips.
 * - `imap_messages`: every classified message once per mailbox, keyed by its content key (`mid:<id>` or
 *   `sha256:<hex>`), so a re-run or a UIDVALIDITY rescan records nothing twice. Rows that matched none
 *   of our sends stay here with `matched = 0` for review (sender, subject and the report's recipients
 *   in `detail`; DSN text is hostile input and must be escaped wherever it is shown).
 * - `imap_mailbox_state`: the per-mailbox sync lease (one sync at a time), the last outcome, and the
 *   sender-side block flag raised by 5.7.x bounces.
 * No credentials are stored here; they stay encrypted on `mailboxes`.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { campaignRecipients, campaigns, mailboxes } from "./campaigns";

export const IMAP_MESSAGE_KINDS = ["bounce", "complaint", "auto_reply", "reply"] as const;
export type ImapMessageKind = (typeof IMAP_MESSAGE_KINDS)[number];

export const imapCheckpoints = sqliteTable(
  "imap_checkpoints",
  {
    mailboxId: integer("mailbox_id")
      .notNull()
      .references(() => mailboxes.id, { onDelete: "cascade" }),
    folder: text("folder").notNull(),
    /** Decimal string: UIDVALIDITY is an unsigned 32-bit value. */
    uidvalidity: text("uidvalidity").notNull(),
    lastUid: integer("last_uid").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.mailboxId, t.folder] })],
);

export const imapMessages = sqliteTable(
  "imap_messages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    mailboxId: integer("mailbox_id")
      .notNull()
      .references(() => mailboxes.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    folder: text("folder").notNull(),
    uid: integer("uid").notNull(),
    kind: text("kind", { enum: IMAP_MESSAGE_KINDS }).notNull(),
    matched: integer("matched", { mode: "boolean" }).notNull(),
    campaignId: integer("campaign_id").references(() => campaigns.id, { onDelete: "set null" }),
    recipientId: integer("recipient_id").references(() => campaignRecipients.id, { onDelete: "set null" }),
    /** JSON: from, subject, date, reported recipients with class/status/diagnostic. */
    detail: text("detail").notNull().default("{}"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("imap_messages_mailbox_key_uq").on(t.mailboxId, t.key),
    index("imap_messages_mailbox_matched_idx").on(t.mailboxId, t.matched, t.id),
  ],
);

export const imapMailboxState = sqliteTable("imap_mailbox_state", {
  mailboxId: integer("mailbox_id")
    .primaryKey()
    .references(() => mailboxes.id, { onDelete: "cascade" }),
  /** A sync holds the mailbox until this time; a crashed run's lease simply lapses. */
  leaseUntil: text("lease_until"),
  lastSyncAt: text("last_sync_at"),
  /** Words of the last failure (sidecar down, wrong password…), null after a good run. */
  lastError: text("last_error"),
  /** Set by sender-side (5.7.x) bounces: the provider is refusing this mailbox's mail. */
  blockedAt: text("blocked_at"),
  blockReason: text("block_reason"),
  blockCount: integer("block_count").notNull().default(0),
});

export type ImapCheckpointRow = typeof imapCheckpoints.$inferSelect;
export type ImapMessageRow = typeof imapMessages.$inferSelect;
export type ImapMailboxStateRow = typeof imapMailboxState.$inferSelect;
