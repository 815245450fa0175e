/**
 * D1 schema (drizzle), one file per area under ./schema. Migrations in ../../migrations are generated
 * from these exports by drizzle-kit; FTS5 tables and triggers are hand-written SQL in their own files.
 * Timestamps are ISO-8601 UTC text: they sort lexicographically and read well in the archive.
 */
export { projects, type ProjectRow } from "./schema/projects";
export {
  agents,
  messages,
  messageRecipients,
  contacts,
  toolMetrics,
  mailListeners,
  type AgentRow,
  type MessageRow,
  type MessageRecipientRow,
  type ContactRow,
} from "./schema/mail";
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
