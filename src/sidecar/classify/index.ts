/**
 * Classifies one fetched message: ARF complaint (RFC 5965), RFC 3464/6522 DSN, legacy bounce, RFC 3834
 * auto-reply, human reply (In-Reply-To/References), or other. Order matters: Postfix DSNs carry
 * `Auto-Submitted: auto-replied`, so reports are recognised before auto-replies, and an auto-reply
 * quoting our Message-ID in In-Reply-To must never count as a human reply.
 */
import { simpleParser } from "mailparser";
import { legacyRecipients, looksLikeAutoReply, looksLikeLegacyBounce, mayBeLegacyBounce, type TopLevel } from "./heuristics";
import {
  flattenParts,
  headerValue,
  headerValues,
  parseContentType,
  parseHeaderBlock,
  parseMime,
  parseMimeBody,
  splitHeaderBody,
  type MimePart,
} from "./mime";
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
import { addressIn, decodeWords } from "./words";

export type { BounceClass, Classification, MailKind, MatchKeys, ReportedRecipient } from "./types";
export { classifyStatus } from "./status";

function unique(values: string[]): string[] {
  return [...new Set(values.filter((v) => v.length > 0))];
}

/** Last resort (deliverability.md §4.4 step 3): our token or a Message-ID quoted anywhere below the top headers. */
function scanBody(body: string): { messageIds: string[]; tokens: string[] } {
  const tokens = [...body.matchAll(/^X-Pigeonhole-Msg:\s*(\S+)/gim)].map((m) => m[1]!);
  const messageIds = [...body.matchAll(/^Message-ID:\s*<([^<>\s]+)>/gim)].map((m) => m[1]!);
  return { messageIds, tokens };
}

/** The top header block, decoded without decoding the (possibly large) body. */
function headOf(raw: Buffer | string): string {
  if (typeof raw === "string") return splitHeaderBody(raw).head;
  const crlf = raw.indexOf("\r\n\r\n");
  const lf = crlf < 0 ? raw.indexOf("\n\n") : -1;
  const end = crlf >= 0 ? crlf : lf >= 0 ? lf : raw.length;
  return raw.subarray(0, end).toString("utf8");
}

/** Classifies raw RFC 5322 bytes. Never throws on malformed input: the worst case is `other`. */
export async function classify(raw: Buffer | string): Promise<Classification> {
  const head = headOf(raw);
  const headers = parseHeaderBlock(head);
  const from = addressIn(headerValue(headers, "from"));
  const rawSubject = headerValue(headers, "subject");
  const subject = rawSubject === undefined ? undefined : decodeWords(rawSubject);
  const top: TopLevel = {
    ...(from ? { from } : {}),
    ...(subject ? { subject } : {}),
    text: "",
    headers,
  };
  // Only reports and possible legacy bounces need their MIME tree; auto-replies, replies and ordinary
  // mail are decided from the header block, which keeps a large folder sync close to the raw fetch.
  const contentType = parseContentType(headerValue(headers, "content-type"));
  const legacyHint = mayBeLegacyBounce(top);
  const needsTree = contentType.type === "multipart/report" || legacyHint;
  const text = needsTree ? (typeof raw === "string" ? raw : raw.toString("utf8")) : "";
  const split = needsTree ? splitHeaderBody(text) : { head: "", body: "" };
  // The top header block is parsed once: headOf's byte split finds the same blank line unless the
  // message mixes line endings.
  const root: MimePart = !needsTree
    ? { headers, contentType: contentType.type, params: contentType.params, body: "", children: [] }
    : split.head.length === head.length
      ? parseMimeBody(headers, split.body)
      : parseMime(text);
  const parts = flattenParts(root);
  const base = { ...(from ? { from } : {}), ...(subject ? { subject } : {}) };
  // Everything below the top-level header block: the report's own Message-ID is never a match key.
  const body = split.body;
  const reportType = root.contentType === "multipart/report" ? root.params["report-type"]?.toLowerCase() : undefined;

  const feedback = feedbackReportPart(parts);
  if (reportType === "feedback-report" || feedback) {
    const fields = parseHeaderBlock(feedback?.body ?? "");
    const returned = returnedHeaderKeys(parts);
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

  const dsn = deliveryStatusPart(parts);
  if (dsn) {
    const report = parseDeliveryStatus(dsn.body);
    return {
      kind: "bounce",
      recipients: report.recipients,
      keys: { envids: report.envid ? [report.envid] : [], ...withFallback(returnedHeaderKeys(parts), body) },
      ...base,
    };
  }

  // Only a possible legacy bounce needs its body as text. A plain UTF-8/ASCII text part is read as is;
  // anything harder (other charsets, HTML-only notices) goes through mailparser. Everything else is
  // decided from headers, which keeps a 10k-message folder sync close to the raw fetch.
  if (legacyHint) {
    const plain = parts.find((p) => p.contentType === "text/plain" && p.children.length === 0);
    const charset = (plain?.params.charset ?? "us-ascii").toLowerCase();
    if (plain && /^(?:us-ascii|utf-?8|ascii)$/.test(charset)) {
      top.text = plain.body;
    } else {
      const parsed = await simpleParser(raw, { skipHtmlToText: false, skipImageLinks: true, skipTextToHtml: true });
      top.text = parsed.text ?? "";
    }
  }
  if (top.text !== "" && looksLikeLegacyBounce(top)) {
    const own = [from ?? "", ...headerValues(root.headers, "to").flatMap((v) => [addressOf(v) ?? ""])];
    return {
      kind: "bounce",
      recipients: legacyRecipients(top, own),
      keys: { envids: [], ...withFallback(returnedHeaderKeys(parts), body) },
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
