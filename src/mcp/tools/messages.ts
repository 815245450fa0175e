/** Messaging tools: send, reply, inbox, read and acknowledge. */
import { z } from "zod";
import {
  acknowledgeMessage,
  fetchInbox,
  IMPORTANCE_LEVELS,
  markMessageRead,
  replyMessage,
  requireActingAgent,
  sendMessageAs,
} from "../../mail";
import { messageAttachmentsRequired, prepareMessageAttachments } from "../../coordinator";
import { AppError } from "../../shared/errors";
import { defineTool, type ToolContext } from "../tool";
import { agentName, asList, limit, messageId, projectKey, recipients, registrationToken, sinceTs, tokenOf } from "./fields";

const senderToken = z.string().max(512).optional().describe("Alias of registration_token for the sender.");
const bodyMd = z.string().max(262_144).describe("Message body in Markdown (at most 256 KiB).");

function deps(ctx: ToolContext) {
  return { notifier: ctx.notifier, signals: ctx.contactSignals };
}

export const sendMessageTool = defineTool({
  name: "send_message",
  title: "Send message",
  description:
    "Sends a message from sender_name to agents of this project (or another: Name@<slug>). All or nothing: an unknown recipient " +
    "fails RECIPIENT_NOT_FOUND listing every unknown name and nothing is sent. broadcast: true (with no `to`) writes to every active " +
    "agent that accepts mail and lists the rest in broadcast_skipped. Recipients may need contact approval (CONTACT_REQUIRED creates " +
    "the requests for you). Subjects are cut at 200 characters.",
  input: z.object({
    project_key: projectKey,
    sender_name: agentName("The sending agent"),
    to: recipients("Primary recipients"),
    cc: recipients("Copy recipients"),
    bcc: recipients("Blind copy recipients (only the sender ever sees them)"),
    subject: z.string().max(10_000).describe("Subject line; longer than 200 characters is cut."),
    body_md: bodyMd,
    importance: z.enum(IMPORTANCE_LEVELS).optional().describe("low | normal (default) | high | urgent."),
    ack_required: z.boolean().optional().describe("Ask recipients to acknowledge_message (default false)."),
    thread_id: z.string().max(256).optional().describe("Thread to file the message in: ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$, e.g. FEAT-123."),
    topic: z.string().max(128).optional().describe("Optional topic tag: 1-64 letters, digits, '_' or '-'."),
    broadcast: z.boolean().optional().describe("Send to every active agent in the project that accepts mail; leave `to` empty."),
    auto_contact_if_blocked: z.boolean().optional().describe("When contact approval is needed, create the pending requests (default true)."),
    attachments: z
      .array(
        z.object({
          data: z.string().max(14_000_000).describe("The file as base64 or a data URI (data:image/png;base64,…)."),
          filename: z.string().max(255).optional().describe("File name shown to recipients."),
          media_type: z.string().max(128).optional().describe("Media type of a non-image file (images are recognised by their bytes)."),
        }),
      )
      .max(20)
      .optional()
      .describe("Files to attach (at most 20). Images are converted to WebP and stored by content hash; small ones are inlined."),
    attachment_paths: z
      .array(z.string().max(4096))
      .optional()
      .describe("Accepted for compatibility but refused: the server cannot read your disk; send the content in `attachments`."),
    convert_images: z.boolean().optional().describe("Convert images to WebP (default true)."),
    inline_max_bytes: z.number().int().min(0).max(1_048_576).optional().describe("Inline images whose stored form is at most this many bytes (0 never inlines)."),
    sender_token: senderToken,
    registration_token: registrationToken,
  }),
  readOnly: false,
  run: async (ctx, input) => {
    if (input.attachment_paths && input.attachment_paths.length > 0) {
      throw new AppError(
        "INVALID_ARGUMENT",
        "attachment_paths cannot be read by a remote server; read each file yourself and pass its content as attachments: [{data: <base64 or data URI>, filename}].",
        { field: "attachment_paths" },
      );
    }
    const attachments = {
      required: (bodyMd: string) => messageAttachmentsRequired({ body_md: bodyMd, attachments: input.attachments }),
      prepare: async (bodyMd: string) => {
        const prepared = await prepareMessageAttachments(ctx.env, {
          body_md: bodyMd,
          attachments: input.attachments,
          convert_images: input.convert_images,
          inline_max_bytes: input.inline_max_bytes,
        });
        return { bodyMd: prepared.body_md, attachments: prepared.attachments };
      },
    };
    return sendMessageAs(
      ctx.db,
      { projectKey: input.project_key, agentName: input.sender_name, token: tokenOf(ctx, input.sender_token, input.registration_token) },
      {
        to: asList(input.to) ?? [],
        cc: asList(input.cc),
        bcc: asList(input.bcc),
        subject: input.subject,
        bodyMd: input.body_md,
        importance: input.importance,
        ackRequired: input.ack_required,
        threadId: input.thread_id,
        topic: input.topic,
        broadcast: input.broadcast,
        autoContactIfBlocked: input.auto_contact_if_blocked,
      },
      { ...deps(ctx), attachments },
    );
  },
});

export const replyMessageTool = defineTool({
  name: "reply_message",
  title: "Reply to message",
  description:
    "Replies in the original's thread (a message without a thread seeds thread \"<id>\"), with subject \"Re: …\" (never doubled) and " +
    "the original's importance, ack_required and topic. `to` defaults to the original sender (or, replying to your own message, to its " +
    "original recipients); pass to: [] to write only to cc/bcc.",
  input: z.object({
    project_key: projectKey,
    message_id: messageId,
    sender_name: agentName("The replying agent"),
    body_md: bodyMd,
    to: recipients("Recipients (default: the original sender)"),
    cc: recipients("Copy recipients"),
    bcc: recipients("Blind copy recipients"),
    subject_prefix: z.string().max(32).optional().describe('Prefix for the subject (default "Re:").'),
    sender_token: senderToken,
    registration_token: registrationToken,
  }),
  readOnly: false,
  run: async (ctx, input) => {
    const acting = await requireActingAgent(ctx.db, input.project_key, input.sender_name, tokenOf(ctx, input.sender_token, input.registration_token));
    return replyMessage(
      ctx.db,
      acting,
      { messageId: input.message_id, bodyMd: input.body_md, to: asList(input.to), cc: asList(input.cc), bcc: asList(input.bcc), subjectPrefix: input.subject_prefix },
      deps(ctx),
    );
  },
});

const inboxInput = z.object({
  project_key: projectKey,
  agent_name: agentName("The agent whose inbox to read"),
  since_ts: sinceTs,
  urgent_only: z.boolean().optional().describe("Only importance high or urgent."),
  unread_only: z.boolean().optional().describe("Only messages not yet marked read."),
  topic: z.string().max(128).optional().describe("Only this topic (case-insensitive)."),
  include_bodies: z.boolean().optional().describe("Include body_md (default false, to save tokens)."),
  limit: limit(20),
  registration_token: registrationToken,
});

function inboxTool(name: string, title: string, extra: string) {
  return defineTool({
    name,
    title,
    description:
      "The agent's received messages (to, cc, bcc), newest first, with read_ts/ack_ts. Never marks anything read: call " +
      `mark_message_read or acknowledge_message. ${extra}`,
    input: inboxInput,
    readOnly: true,
    run: async (ctx, input) => {
      const acting = await requireActingAgent(ctx.db, input.project_key, input.agent_name, tokenOf(ctx, input.registration_token));
      const messages = await fetchInbox(ctx.db, acting, {
        sinceTs: input.since_ts,
        urgentOnly: input.urgent_only,
        unreadOnly: input.unread_only,
        topic: input.topic,
        includeBodies: input.include_bodies,
        limit: input.limit,
      });
      return { messages };
    },
  });
}

export const fetchInboxTool = inboxTool("fetch_inbox", "Fetch inbox", "Subscribe to resource://inbox/{agent} to be told of new mail instead of polling.");
export const checkMyMessagesTool = inboxTool("check_my_messages", "Check my messages", "Same as fetch_inbox (older name).");

const receiptInput = z.object({
  project_key: projectKey,
  agent_name: agentName("The recipient"),
  message_id: messageId,
  registration_token: registrationToken,
});

export const markMessageReadTool = defineTool({
  name: "mark_message_read",
  title: "Mark message read",
  description: "Marks a received message read. Idempotent: repeated calls return the first read_at.",
  input: receiptInput,
  readOnly: false,
  run: async (ctx, input) => {
    const acting = await requireActingAgent(ctx.db, input.project_key, input.agent_name, tokenOf(ctx, input.registration_token));
    return markMessageRead(ctx.db, acting, input.message_id);
  },
});

export const acknowledgeMessageTool = defineTool({
  name: "acknowledge_message",
  title: "Acknowledge message",
  description: "Acknowledges a received message (and marks it read). Idempotent, also under concurrent calls: one acknowledged_at.",
  input: receiptInput,
  readOnly: false,
  run: async (ctx, input) => {
    const acting = await requireActingAgent(ctx.db, input.project_key, input.agent_name, tokenOf(ctx, input.registration_token));
    return acknowledgeMessage(ctx.db, acting, input.message_id);
  },
});
