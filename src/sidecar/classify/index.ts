/**
 * Classifies one fetched message: ARF complaint (RFC 5965), RFC 3464/6522 DSN, legacy bounce, RFC 3834
 * auto-reply, human reply (In-Reply-To/References), or other. Order matters: Postfix DSNs carry
 * `Auto-Submitted: auto-replied`, so reports are recognised before auto-replies, and an auto-reply
 * quoting our Message-ID in In-Reply-To must never count as a human reply.
 */
import { simpleParser, type AddressObject } from "mailparser";
import { legacyRecipients, looksLikeAutoReply, looksLikeLegacyBounce, type TopLevel } from "./heuristics";
import { headerValue, headerValues, parseHeaderBlock, parseMime } from "./mime";
import {
  TOKEN_HEADER,
  addressOf,
  deliveryStatusPart,
  feedbackReportPart,
  messageIdsIn,
  parseDeliveryStatus,
  returnedHeaderKeys,
} from "./report";
import type { Classification, MatchKeys } from "./types";

export type { BounceClass, Classification, MailKind, MatchKeys, ReportedRecipient } from "./types";
export { classifyStatus } from "./status";

function firstAddress(value: AddressObject | AddressObject[] | undefined): string | undefined {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((a) => a.value).find((a) => a.address)?.address?.toLowerCase();
}

function unique(values: string[]): string[] {
  return [...new Set(values.filter((v) => v.length > 0))];
}

/** Last resort (deliverability.md §4.4 step 3): our token or a Message-ID quoted anywhere below the top headers. */
function scanBody(body: string): { messageIds: string[]; tokens: string[] } {
  const tokens = [...body.matchAll(/^X-Pigeonhole-Msg:\s*(\S+)/gim)].map((m) => m[1]!);
  const messageIds = [...body.matchAll(/^Message-ID:\s*<([^<>\s]+)>/gim)].map((m) => m[1]!);
  return { messageIds, tokens };
}

/** Classifies raw RFC 5322 bytes. Never throws on malformed input: the worst case is `other`. */
export async function classify(raw: Buffer | string): Promise<Classification> {
  const text = typeof raw === "string" ? raw : raw.toString("utf8");
  const parsed = await simpleParser(raw, { skipHtmlToText: false, skipImageLinks: true, skipTextToHtml: true });
  const root = parseMime(text);
  const from = firstAddress(parsed.from);
  const subject = parsed.subject;
  const top: TopLevel = {
    ...(from ? { from } : {}),
    ...(subject ? { subject } : {}),
    text: parsed.text ?? "",
    header: (name) => headerValue(root.headers, name),
  };
  const base = { ...(from ? { from } : {}), ...(subject ? { subject } : {}) };
  // Everything below the top-level header block: the report's own Message-ID is never a match key.
  const body = text.slice(Math.max(0, text.search(/\r?\n\r?\n/)));
  const reportType = root.contentType === "multipart/report" ? root.params["report-type"]?.toLowerCase() : undefined;

  const feedback = feedbackReportPart(root);
  if (reportType === "feedback-report" || feedback) {
    const fields = parseHeaderBlock(feedback?.body ?? "");
    const returned = returnedHeaderKeys(root);
    const email = addressOf(headerValue(fields, "original-rcpt-to")) ?? addressOf(headerValue(fields, "removal-recipient"));
    const feedbackType = headerValue(fields, "feedback-type")?.trim().toLowerCase();
    return {
      kind: "complaint",
      recipients: email ? [{ email, class: "hard" }] : [],
      keys: { envids: [], ...withFallback(returned, body) },
      ...(feedbackType ? { feedbackType } : {}),
      ...base,
    };
  }

  const dsn = deliveryStatusPart(root);
  if (dsn) {
    const report = parseDeliveryStatus(dsn.body);
    return {
      kind: "bounce",
      recipients: report.recipients,
      keys: { envids: report.envid ? [report.envid] : [], ...withFallback(returnedHeaderKeys(root), body) },
      ...base,
    };
  }

  if (looksLikeLegacyBounce(top)) {
    const own = [from ?? "", ...headerValues(root.headers, "to").flatMap((v) => [addressOf(v) ?? ""])];
    return {
      kind: "bounce",
      recipients: legacyRecipients(top, own),
      keys: { envids: [], ...withFallback(returnedHeaderKeys(root), body) },
      ...base,
    };
  }

  const replyIds = unique([...messageIdsIn(headerValue(root.headers, "in-reply-to")), ...messageIdsIn(headerValue(root.headers, "references"))]);
  const keys: MatchKeys = { envids: [], tokens: [], messageIds: replyIds };
  if (looksLikeAutoReply(top)) return { kind: "auto_reply", recipients: [], keys, ...base };
  if (replyIds.length > 0) return { kind: "reply", recipients: [], keys, ...base };
  return { kind: "other", recipients: [], keys, ...base };
}

function withFallback(found: { messageIds: string[]; tokens: string[] }, body: string): Omit<MatchKeys, "envids"> {
  const scanned = found.messageIds.length > 0 || found.tokens.length > 0 ? { messageIds: [], tokens: [] } : scanBody(body);
  return {
    tokens: unique([...found.tokens, ...scanned.tokens]),
    messageIds: unique([...found.messageIds, ...scanned.messageIds]),
  };
}

export { TOKEN_HEADER };
