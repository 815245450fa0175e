/**
 * D1 schema (drizzle). Migrations in ../../migrations are generated from this file by drizzle-kit;
 * FTS5 tables and triggers are hand-written SQL in their own migration files.
 * Timestamps are ISO-8601 UTC text: they sort lexicographically and read well in the archive.
 */
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

/** A project is a working directory (its absolute path is the human key) or a named slug. */
export const projects = sqliteTable("projects", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  /** lowercase, runs of non-[a-z0-9] collapsed to "-", trimmed; unique. */
  slug: text("slug").notNull().unique(),
  /** the absolute path the project was created from, verbatim (symlinks not resolved). */
  humanKey: text("human_key").notNull(),
  createdAt: text("created_at").notNull(),
});

export type ProjectRow = typeof projects.$inferSelect;

export {
  CAMPAIGN_EVENT_KINDS,
  CAMPAIGN_STATES,
  DEFAULT_TENANT,
  MAIL_SECURITY,
  RECIPIENT_STATES,
  SUPPRESSION_REASONS,
  campaignCounters,
  campaignEvents,
  campaignLinks,
  campaignRecipients,
  campaigns,
  mailboxSendBudget,
  mailboxes,
  suppressions,
  type CampaignEventKind,
  type CampaignEventRow,
  type CampaignRecipientRow,
  type CampaignRow,
  type CampaignState,
  type MailSecurity,
  type MailboxRow,
  type RecipientState,
  type SuppressionReason,
  type SuppressionRow,
} from "./schema/campaigns";

export {
  IMAP_MESSAGE_KINDS,
  imapCheckpoints,
  imapMailboxState,
  imapMessages,
  type ImapCheckpointRow,
  type ImapMailboxStateRow,
  type ImapMessageKind,
  type ImapMessageRow,
} from "./schema/imap";
