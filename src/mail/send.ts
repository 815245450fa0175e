/**
 * send_message and reply_message. Sending is all-or-nothing: every address resolves, nobody is retired,
 * contact policy allows every recipient, and then one D1 batch writes one message per target project.
 * Broadcast is the exception by design: it skips recipients that do not accept mail and reports them.
 */
import type { Db } from "../db";
import { AppError } from "../shared/errors";
import { nowIso } from "../shared/time";
import type { ActingAgent } from "./agents";
import { resolveRecipients, type ResolvedRecipient } from "./addresses";
import { evaluateContacts, NO_CONTACT_SIGNALS, type ContactSignals, type PolicyRecipient } from "./contact-policy";
import { requestContact } from "./contacts";
import { storeMessages, SUBJECT_MAX_CHARS, type InboxNotifier } from "./delivery";
import { listBroadcastTargets } from "./directory";
import { loadVisibleMessage } from "./visibility";

export const THREAD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const TOPIC_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const IMPORTANCE_LEVELS = ["low", "normal", "high", "urgent"] as const;
export type Importance = (typeof IMPORTANCE_LEVELS)[number];

/**
 * Where attachment bytes go (the coordinator's R2 store): called once the send is known to go ahead, before
 * the D1 write, so a refused send stores nothing. It may rewrite the body (inline images become references).
 */
export interface AttachmentPort {
  /** Whether prepare would store anything for this body (attachments passed, or inline images in it). */
  required(bodyMd: string): boolean;
  prepare(bodyMd: string): Promise<{ bodyMd: string; attachments: unknown[] }>;
}

/** Ports a send needs from outside mail/: push notifications, claim overlaps and attachments (all optional). */
export interface SendDeps {
  notifier?: InboxNotifier | undefined;
  signals?: ContactSignals | undefined;
  attachments?: AttachmentPort | undefined;
}

export interface SendInput {
  to: readonly string[];
  cc?: readonly string[] | undefined;
  bcc?: readonly string[] | undefined;
  subject: string;
  bodyMd: string;
  importance?: Importance | undefined;
  ackRequired?: boolean | undefined;
  threadId?: string | null | undefined;
  topic?: string | null | undefined;
  broadcast?: boolean | undefined;
  /** Create pending contact requests for recipients that need one (default true). */
  autoContactIfBlocked?: boolean | undefined;
}

export interface MessagePayload {
  id: number;
  subject: string;
  body_md: string;
  from: string;
  from_project?: string;
  to: string[];
  cc: string[];
  bcc: string[];
  importance: string;
  ack_required: boolean;
  thread_id: string | null;
  topic: string | null;
  created_ts: string;
  attachments: unknown[];
}

export interface SendResult {
  count: number;
  deliveries: Array<{ project: string; payload: MessagePayload }>;
  broadcast_skipped?: Array<{ name: string; reason: string }>;
  warnings?: string[];
}

/** Subjects are one line: every control character (newlines included) becomes a space. */
const SUBJECT_CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

export function validateThreadId(threadId: string | null | undefined): string | null {
  if (threadId === undefined || threadId === null || threadId === "") return null;
  if (!THREAD_ID_PATTERN.test(threadId)) {
    throw new AppError(
      "INVALID_THREAD_ID",
      `thread_id must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ (e.g. FEAT-123 or bd-42); got ${JSON.stringify(threadId.slice(0, 140))}.`,
      { field: "thread_id" },
    );
  }
  return threadId;
}

export function validateTopic(topic: string | null | undefined): string | null {
  if (topic === undefined || topic === null || topic === "") return null;
  if (!TOPIC_PATTERN.test(topic)) {
    throw new AppError("INVALID_TOPIC", `topic must be 1-64 letters, digits, '_' or '-'; got ${JSON.stringify(topic.slice(0, 80))}.`, {
      field: "topic",
    });
  }
  return topic;
}

export async function sendMessage(db: Db, acting: ActingAgent, input: SendInput, deps: SendDeps = {}): Promise<SendResult> {
  const threadId = validateThreadId(input.threadId);
  const topic = validateTopic(input.topic);
  if (input.broadcast && input.to.some((a) => a.trim() !== "")) {
    throw new AppError("INVALID_ARGUMENT", "broadcast and to are mutually exclusive: pass broadcast: true with an empty to, or list recipients in to.", {
      field: "broadcast",
    });
  }
  const sender = { id: acting.agent.id, projectId: acting.project.id };
  const { recipients: explicit, flags } = await resolveRecipients(
    db,
    acting.project,
    { to: input.to, cc: input.cc ?? [], bcc: input.bcc ?? [] },
    { sender, threadId },
  );
  rejectRetired(explicit);
  const signals = deps.signals ?? NO_CONTACT_SIGNALS;
  const verdict = await evaluateContacts(db, sender, explicit.map(asPolicyRecipient), threadId, signals, flags);
  if (verdict.blocked.length > 0) {
    throw new AppError("CONTACT_BLOCKED", `${names(verdict.blocked)} ${verdict.blocked.length === 1 ? "is" : "are"} not accepting messages from you. Nothing was sent.`, {
      recipients_blocked: verdict.blocked.map((r) => r.name),
    });
  }
  if (verdict.required.length > 0) await requireContact(db, acting, verdict.required, input.autoContactIfBlocked ?? true, deps);

  let recipients = explicit;
  let skipped: Array<{ name: string; reason: string }> | undefined;
  if (input.broadcast) {
    const targets = (await listBroadcastTargets(db, acting.project.id, acting.agent.id)).filter(
      (t) => !explicit.some((e) => e.id === t.id),
    );
    const broadcastVerdict = await evaluateContacts(db, sender, targets.map(asPolicyRecipient), threadId, signals);
    const refused = new Map<number, string>([
      ...broadcastVerdict.blocked.map((r) => [r.id, "not accepting messages (block_all or denied)"] as const),
      ...broadcastVerdict.required.map((r) => [r.id, "contact approval required"] as const),
    ]);
    skipped = targets.filter((t) => refused.has(t.id)).map((t) => ({ name: t.name, reason: refused.get(t.id)! }));
    recipients = [...explicit, ...targets.filter((t) => !refused.has(t.id)).map((t) => ({ ...t, kind: "to" as const }))];
  }
  const result = await deliver(db, acting, recipients, { ...input, threadId, topic }, deps);
  return skipped === undefined ? result : { ...result, broadcast_skipped: skipped };
}

function asPolicyRecipient(r: ResolvedRecipient): PolicyRecipient {
  return { id: r.id, name: r.name, projectId: r.projectId, projectSlug: r.projectSlug, policy: r.policy };
}

function names(list: ReadonlyArray<{ name: string }>): string {
  return list.map((r) => r.name).join(", ");
}

function rejectRetired(recipients: readonly ResolvedRecipient[]): void {
  const retired = recipients.filter((r) => r.retiredAt !== null);
  if (retired.length > 0) {
    throw new AppError("AGENT_RETIRED", `${names(retired)} ${retired.length === 1 ? "is" : "are"} retired and cannot receive mail. Nothing was sent.`, {
      recipients_retired: retired.map((r) => r.name),
    });
  }
}

async function requireContact(db: Db, acting: ActingAgent, required: readonly PolicyRecipient[], autoRequest: boolean, deps: SendDeps): Promise<never> {
  const requested: string[] = [];
  if (autoRequest) {
    for (const r of required) {
      await requestContact(db, acting, { toAgent: r.name, toProject: r.projectSlug, reason: "Automatic request: a message to you needs your approval." }, deps.notifier);
      requested.push(r.name);
    }
  }
  throw new AppError(
    "CONTACT_REQUIRED",
    `Contact approval required for: ${names(required)}. Nothing was sent. ` +
      (autoRequest
        ? `Pending contact requests were sent to ${requested.join(", ")}; resend once they accept (respond_contact), or write in a thread they take part in.`
        : "Call request_contact for each of them and resend once they accept."),
    {
      recipients_blocked: required.map((r) => r.name),
      auto_contact_requested: requested,
      remedies: ["request_contact", "respond_contact (by the recipient)", "set_contact_policy open (by the recipient)"],
    },
  );
}

export interface DeliverOptions {
  subject: string;
  bodyMd: string;
  importance?: string | undefined;
  ackRequired?: boolean | undefined;
  threadId: string | null;
  topic: string | null;
}

/** Subject as stored (one line, at most SUBJECT_MAX_CHARS), with a warning when it had to be cut. */
export function cleanSubject(raw: string): { subject: string; warnings: string[] } {
  const subject = raw.replace(SUBJECT_CONTROL_CHARS, " ");
  if (subject.length <= SUBJECT_MAX_CHARS) return { subject, warnings: [] };
  return {
    subject: subject.slice(0, SUBJECT_MAX_CHARS),
    warnings: [`subject was cut to ${SUBJECT_MAX_CHARS} characters (it had ${subject.length}).`],
  };
}

/** What every copy of one send shares. */
export interface DeliveryContent {
  subject: string;
  bodyMd: string;
  importance: string;
  ackRequired: boolean;
  threadId: string | null;
  topic: string | null;
  attachments: unknown[];
  createdTs: string;
}

export function deliveryContent(options: DeliverOptions, subject: string, prepared: { bodyMd: string; attachments: unknown[] }): DeliveryContent {
  return {
    subject,
    bodyMd: prepared.bodyMd.replace(/\u0000/g, ""),
    importance: options.importance ?? "normal",
    ackRequired: options.ackRequired ?? false,
    threadId: options.threadId,
    topic: options.topic,
    attachments: prepared.attachments,
    createdTs: nowIso(),
  };
}

/** One stored copy: the project it went to, its recipients there (as addressed), and its id. */
export interface StoredCopy {
  projectId: number;
  recipients: readonly ResolvedRecipient[];
  id: number;
}

/** Writes one message per target project in one batch and shapes the deliveries. */
export async function deliver(
  db: Db,
  acting: ActingAgent,
  recipients: readonly ResolvedRecipient[],
  options: DeliverOptions,
  deps: SendDeps,
): Promise<SendResult> {
  const { subject, warnings } = cleanSubject(options.subject);
  if (recipients.length === 0) {
    return { count: 0, deliveries: [], warnings: [...warnings, "No recipients: nothing was sent."] };
  }
  const prepared = deps.attachments
    ? await deps.attachments.prepare(options.bodyMd)
    : { bodyMd: options.bodyMd, attachments: [] as unknown[] };
  const content = deliveryContent(options, subject, prepared);
  const byProject = new Map<number, ResolvedRecipient[]>();
  for (const r of recipients) byProject.set(r.projectId, [...(byProject.get(r.projectId) ?? []), r]);
  const plans = [...byProject.entries()];
  const stored = await storeMessages(
    db,
    plans.map(([projectId, list]) => ({
      projectId,
      senderId: acting.agent.id,
      recipients: list.map((r) => ({ agentId: r.id, kind: r.kind })),
      ...content,
    })),
  );
  return announce(acting, plans.map(([projectId, list], i) => ({ projectId, recipients: list, id: stored[i]!.id })), content, warnings, deps);
}

/** Shapes the answer for stored copies and tells the notifier (push and archive) about each. */
export async function announce(
  acting: ActingAgent,
  copies: readonly StoredCopy[],
  content: DeliveryContent,
  warnings: readonly string[],
  deps: SendDeps,
): Promise<SendResult> {
  const deliveries = copies.map(({ projectId, recipients: list, id }) => {
    const label = (r: ResolvedRecipient) => (r.projectId === acting.project.id ? r.name : `${r.name}@${r.projectSlug}`);
    const payload: MessagePayload = {
      id,
      subject: content.subject,
      body_md: content.bodyMd,
      from: acting.agent.name,
      ...(projectId === acting.project.id ? {} : { from_project: acting.project.slug }),
      to: list.filter((r) => r.kind === "to").map(label),
      cc: list.filter((r) => r.kind === "cc").map(label),
      bcc: list.filter((r) => r.kind === "bcc").map(label),
      importance: content.importance,
      ack_required: content.ackRequired,
      thread_id: content.threadId,
      topic: content.topic,
      created_ts: content.createdTs,
      attachments: content.attachments,
    };
    return { project: list[0]!.projectHumanKey, payload };
  });
  if (deps.notifier) {
    await Promise.all(
      deliveries.map(({ payload }, i) => {
        // Called even with no listeners: the notifier also archives the message (the push side skips empty lists).
        const { projectId, recipients: list } = copies[i]!;
        const listeners = list.filter((r) => r.listening).map((r) => r.id);
        const project = { id: projectId, slug: list[0]!.projectSlug, human_key: list[0]!.projectHumanKey };
        return deps.notifier!.notify({ projectId, agentIds: listeners, messageId: payload.id, createdTs: content.createdTs, project }).catch(() => undefined);
      }),
    );
  }
  return warnings.length > 0 ? { count: deliveries.length, deliveries, warnings: [...warnings] } : { count: deliveries.length, deliveries };
}

export interface ReplyInput {
  messageId: number;
  bodyMd: string;
  to?: readonly string[] | undefined;
  cc?: readonly string[] | undefined;
  bcc?: readonly string[] | undefined;
  subjectPrefix?: string | undefined;
}

/**
 * reply_message: stays in the original's thread (a message without one seeds thread "<id>"), prefixes the
 * subject once (case-insensitive), keeps importance, ack_required and topic. `to` defaults to the original
 * sender, or to the original `to` when replying to one's own message; an explicit empty `to` is respected.
 */
export async function replyMessage(
  db: Db,
  acting: ActingAgent,
  input: ReplyInput,
  deps: SendDeps = {},
): Promise<SendResult & { thread_id: string; reply_to: number }> {
  const original = await loadVisibleMessage(db, acting, input.messageId);
  const threadId = original.threadId ?? String(original.id);
  const prefix = (input.subjectPrefix ?? "Re:").trim();
  const subject =
    prefix === "" || original.subject.toLowerCase().startsWith(prefix.toLowerCase()) ? original.subject : `${prefix} ${original.subject}`;
  const defaultTo = original.senderId === acting.agent.id ? original.to : [original.fromAddress];
  const result = await sendMessage(
    db,
    acting,
    {
      to: input.to ?? defaultTo,
      cc: input.cc,
      bcc: input.bcc,
      subject,
      bodyMd: input.bodyMd,
      importance: original.importance as Importance,
      ackRequired: original.ackRequired,
      threadId: THREAD_ID_PATTERN.test(threadId) ? threadId : null,
      topic: original.topic,
    },
    deps,
  );
  return { ...result, thread_id: threadId, reply_to: original.id };
}
