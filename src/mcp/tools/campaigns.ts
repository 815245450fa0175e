/**
 * The campaigns half: `mailboxes`, `campaigns`, `campaign_mailbox` and `suppressions`, keeping MC
 * Pigeon's `{action, payload}` shape. Each action's payload is its own zod object (discriminated
 * union on `action`), so validation and the published schema come from one place.
 */
import { z } from "zod";
import {
  addRecipient,
  addSuppressions,
  campaignStatus,
  cancelCampaign,
  cloneCampaign,
  createCampaign,
  createMailbox,
  deleteCampaign,
  deleteMailbox,
  getCampaign,
  getMailbox,
  importRecipients,
  listCampaigns,
  listMailboxes,
  listRecipients,
  listSuppressions,
  MAX_RECIPIENT_BATCH,
  pauseCampaignByRequest,
  recipientsFromCsv,
  removeSuppression,
  resumeCampaign,
  sendCampaign,
  sendPorts,
  switchCampaignMailbox,
  updateCampaign,
  updateMailbox,
} from "../../campaigns";
import { syncMailbox, verifyMailboxViaSidecar } from "../../imap";
import { AppError } from "../../shared/errors";
import { defineTool } from "../tool";

const id = (what: string) => z.number().int().positive().describe(`${what} id`);
const security = z.enum(["starttls", "tls", "none"]);
const line = (max: number) => z.string().min(1).max(max);

const mailboxFields = {
  name: line(200).describe("A label for the mailbox"),
  from_name: line(200).describe("Display name in From"),
  from_email: line(320).describe("From address, e.g. news@example.com"),
  reply_to: z.string().max(320).nullable().optional().describe("Reply-To address"),
  smtp_host: line(253).describe("SMTP submission host"),
  smtp_port: z.number().int().min(1).max(65535).describe("SMTP port: 587 (starttls) or 465 (tls)"),
  smtp_security: security.optional().describe("starttls | tls | none (default by port: 465 → tls, else starttls)"),
  smtp_starttls: z.boolean().optional().describe("MC Pigeon compatibility; prefer smtp_security"),
  smtp_username: z.string().max(320).describe("SMTP username"),
  smtp_password: z.string().max(1024).describe("SMTP password; stored encrypted, never returned"),
  imap_host: line(253).describe("IMAP host"),
  imap_port: z.number().int().min(1).max(65535).describe("IMAP port: 993 (tls) or 143 (starttls)"),
  imap_security: security.optional().describe("tls | starttls | none (default by port: 143 → starttls, else tls)"),
  imap_ssl: z.boolean().optional().describe("MC Pigeon compatibility; prefer imap_security"),
  imap_username: z.string().max(320).describe("IMAP username"),
  imap_password: z.string().max(1024).describe("IMAP password; stored encrypted, never returned"),
  sent_folder: line(200).optional().describe('Folder for sent copies (default "Sent")'),
  bounce_folder: line(200).optional().describe('Folder scanned for bounces and replies (default "INBOX")'),
  rate_per_minute: z.number().int().positive().max(100_000).nullable().optional().describe("Send at most this many per minute"),
  daily_cap: z.number().int().positive().max(10_000_000).nullable().optional().describe("Send at most this many per UTC day"),
};

const action = <A extends string, P extends z.ZodType<object>>(name: A, payload: P) =>
  z.object({ action: z.literal(name), payload });

const byId = (what: string) => z.object({ id: id(what) });

export const mailboxesTool = defineTool({
  name: "mailboxes",
  title: "Mailboxes",
  description:
    "Manage the SMTP/IMAP mailboxes campaigns send through: create, get (alias read), list, update (omitted password = unchanged), " +
    "delete, verify (real SMTP login and IMAP LOGIN+LIST, SPF/DMARC lookup), sync (read the bounce folder and INBOX " +
    "now: bounces, auto-replies, replies; the cron does this every 5 minutes). Passwords are never returned.",
  input: z.discriminatedUnion("action", [
    action("create", z.object(mailboxFields)),
    action("get", byId("Mailbox")),
    action("read", byId("Mailbox")),
    action("list", z.object({}).default({})),
    action("update", z.object({ id: id("Mailbox"), ...z.object(mailboxFields).partial().shape })),
    action("delete", byId("Mailbox")),
    action("verify", byId("Mailbox")),
    action("sync", byId("Mailbox")),
  ]),
  readOnly: false,
  readOnlyActions: ["get", "read", "list"],
  run: async (ctx, input) => {
    switch (input.action) {
      case "create":
        return createMailbox(ctx.db, ctx.env, input.payload);
      case "get":
      case "read":
        return getMailbox(ctx.db, input.payload.id);
      case "list":
        return listMailboxes(ctx.db);
      case "update":
        return updateMailbox(ctx.db, ctx.env, input.payload);
      case "delete":
        return deleteMailbox(ctx.db, input.payload.id);
      case "verify":
        return verifyMailboxViaSidecar(ctx.db, ctx.env, input.payload.id);
      case "sync":
        return syncMailbox(ctx.env, ctx.db, input.payload.id);
    }
  },
});

const campaignFields = {
  name: line(200).describe("Campaign name (also the List-Id phrase)"),
  subject: line(998).describe("Subject template, e.g. 'Hello {{recipient.name}}'"),
  mailbox_id: id("Mailbox"),
  template_markdown: line(200_000).describe(
    "Markdown body with mustache variables {{recipient.name}}, {{recipient.email}}, {{recipient.meta.X}}, " +
      "{{campaign.name}}, {{unsubscribe_url}}; an unsubscribe link is appended when absent",
  ),
  preheader: z.string().max(300).nullable().optional().describe("Hidden preview text"),
  track_opens: z.boolean().optional().describe("Add an open pixel (default true)"),
  track_clicks: z.boolean().optional().describe("Rewrite links to /t/c/ tracking URLs (default true)"),
  anonymous_counts: z.boolean().optional().describe("Count opens/clicks without tying them to recipients (default false)"),
  precedence_bulk: z.boolean().optional().describe("Send Precedence: bulk (default true)"),
  headers: z.record(z.string().max(100), z.string().max(998)).optional().describe("Extra single-line headers"),
};

const recipientObject = z.object({
  email: z.string().max(320).describe("Email address"),
  name: z.string().max(200).nullable().optional().describe("Display name"),
  meta: z.record(z.string(), z.unknown()).optional().describe("Template data: {{recipient.meta.X}}"),
});

const campaignRef = z.object({ campaign_id: id("Campaign") });

export const campaignsTool = defineTool({
  name: "campaigns",
  title: "Campaigns",
  description:
    "Email campaigns: create, get (alias read), list, update (draft/paused only), delete, clone, add_recipient, post_recipients " +
    `(≤${MAX_RECIPIENT_BATCH} per call; strings "Ada <ada@ex.com>", objects or csv; returns created/updated/skipped/invalid/remaining), ` +
    "list_recipients, send (dry_run renders without sending; test_to sends one copy; otherwise queues and returns at once), " +
    "pause, resume, cancel, status.",
  input: z.discriminatedUnion("action", [
    action("create", z.object(campaignFields)),
    action("get", byId("Campaign")),
    action("read", byId("Campaign")),
    action("list", z.object({ limit: z.number().int().min(1).max(500).optional().describe("Newest first, default 100") }).default({})),
    action("update", z.object({ id: id("Campaign"), ...z.object(campaignFields).omit({ mailbox_id: true }).partial().shape })),
    action("delete", byId("Campaign")),
    action(
      "clone",
      z.object({
        campaign_id: id("Campaign"),
        name: line(200).optional().describe("Name of the copy (default: '<name> (copy)')"),
        new_name: line(200).optional().describe("MC Pigeon spelling of name"),
      }),
    ),
    action("add_recipient", z.object({ campaign_id: id("Campaign"), ...recipientObject.shape })),
    action(
      "post_recipients",
      z.object({
        campaign_id: id("Campaign"),
        recipients: z
          .array(z.union([z.string().max(1000), recipientObject]))
          .max(100_000)
          .optional()
          .describe('Addresses: "ada@ex.com", "Ada Lovelace <ada@ex.com>" or {email, name, meta}'),
        csv: z.string().max(5_000_000).optional().describe("CSV text with a header row: email,name,meta.X…"),
        on_conflict: z.enum(["skip", "update_name", "update"]).optional().describe("For addresses already in the campaign (default skip)"),
      }),
    ),
    action(
      "list_recipients",
      z.object({
        campaign_id: id("Campaign"),
        status: z.enum(["queued", "sending", "sent", "failed", "skipped"]).optional().describe("Only this state"),
        cursor: z.string().max(32).optional().describe("next_cursor from the previous page"),
        limit: z.number().int().min(1).max(500).optional().describe("Page size, default 100"),
      }),
    ),
    action(
      "send",
      z.object({
        campaign_id: id("Campaign"),
        dry_run: z.boolean().optional().describe("Render the first few recipients' messages without sending"),
        test_to: z.string().max(320).optional().describe("Send one real rendering to this address only"),
      }),
    ),
    action("pause", campaignRef),
    action("resume", campaignRef),
    action("cancel", campaignRef),
    action("status", campaignRef),
  ]),
  readOnly: false,
  readOnlyActions: ["get", "read", "list", "list_recipients", "status"],
  run: async (ctx, input) => {
    switch (input.action) {
      case "create":
        return createCampaign(ctx.db, input.payload);
      case "get":
      case "read":
        return getCampaign(ctx.db, input.payload.id);
      case "list":
        return listCampaigns(ctx.db, input.payload.limit);
      case "update":
        return updateCampaign(ctx.db, input.payload);
      case "delete":
        return deleteCampaign(ctx.db, input.payload.id);
      case "clone":
        return cloneCampaign(ctx.db, input.payload.campaign_id, input.payload.name ?? input.payload.new_name);
      case "add_recipient":
        return addRecipient(ctx.db, input.payload.campaign_id, input.payload);
      case "post_recipients": {
        const { campaign_id, recipients, csv, on_conflict } = input.payload;
        if ((recipients === undefined) === (csv === undefined)) {
          throw new AppError("INVALID_ARGUMENT", "Pass exactly one of recipients (a list) or csv (text with a header row).", {
            field: "recipients",
          });
        }
        return importRecipients(ctx.db, campaign_id, recipients ?? recipientsFromCsv(csv!), on_conflict);
      }
      case "list_recipients":
        return listRecipients(ctx.db, input.payload.campaign_id, input.payload);
      case "send":
        return sendCampaign(await sendPorts(ctx.env, ctx.db), input.payload);
      case "pause":
        return pauseCampaignByRequest(ctx.db, input.payload.campaign_id);
      case "resume":
        return resumeCampaign(await sendPorts(ctx.env, ctx.db), input.payload.campaign_id);
      case "cancel":
        return cancelCampaign(ctx.db, input.payload.campaign_id);
      case "status":
        return campaignStatus(ctx.db, input.payload.campaign_id);
    }
  },
});

export const campaignMailboxTool = defineTool({
  name: "campaign_mailbox",
  title: "Switch a campaign's mailbox",
  description: "Points a campaign at another mailbox. Refused while the campaign is sending (pause it first).",
  input: z.object({ campaign_id: id("Campaign"), mailbox_id: id("Mailbox") }),
  readOnly: false,
  run: async (ctx, input) => switchCampaignMailbox(ctx.db, input.campaign_id, input.mailbox_id),
});

export const suppressionsTool = defineTool({
  name: "suppressions",
  title: "Suppressions",
  description:
    "Addresses never sent to again (unsubscribes, hard bounces, repeated soft bounces, complaints, manual): list, add {emails}, remove {email}. " +
    "Every campaign skips them before rendering.",
  input: z.discriminatedUnion("action", [
    action(
      "list",
      z
        .object({
          cursor: z.string().max(32).optional().describe("next_cursor from the previous page"),
          limit: z.number().int().min(1).max(500).optional().describe("Page size, default 100"),
        })
        .default({}),
    ),
    action("add", z.object({ emails: z.array(z.string().max(320)).min(1).max(1000).describe("Addresses to suppress") })),
    action("remove", z.object({ email: z.string().max(320).describe("Address to allow again") })),
  ]),
  readOnly: false,
  readOnlyActions: ["list"],
  run: async (ctx, input) => {
    switch (input.action) {
      case "list":
        return listSuppressions(ctx.db, input.payload);
      case "add":
        return addSuppressions(ctx.db, input.payload.emails);
      case "remove":
        return removeSuppression(ctx.db, input.payload.email);
    }
  },
});
