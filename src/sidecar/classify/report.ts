/**
 * RFC 6522 reports: the RFC 3464 / RFC 6533 delivery-status fields, the RFC 5965 feedback-report
 * fields and the returned original's headers (message/rfc822, text/rfc822-headers, message/global,
 * message/global-headers), which is where our Message-ID and X-Pigeonhole-Msg token survive.
 */
import { headerValue, headerValues, parseHeaderBlock, splitHeaderBody, type MimePart } from "./mime";
import { classifyStatus, effectiveStatus } from "./status";
import type { ReportedRecipient } from "./types";

/** Our per-message token header (deliverability.md §2: it survives in returned headers). */
export const TOKEN_HEADER = "x-pigeonhole-msg";

/** Diagnostic text kept per recipient; enough to read, bounded so a hostile report cannot bloat D1. */
const MAX_DIAGNOSTIC_CHARS = 500;

const DELIVERY_STATUS_TYPES = new Set(["message/delivery-status", "message/global-delivery-status"]);
const RETURNED_TYPES = new Set(["message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers"]);

/** `rfc822; Ada@Example.com` or `utf-8; ü@x` → the address, lowercased; undefined when there is none. */
export function addressOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const raw = value.includes(";") ? value.slice(value.indexOf(";") + 1) : value;
  const m = /<?([^\s<>;"]+@[^\s<>;"]+?)>?\s*$/.exec(raw.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Strips the `smtp;` type prefix and caps the length. */
function cleanDiagnostic(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.replace(/^[a-z-]+;\s*/i, "").replace(/\s+/g, " ").trim();
  return text.slice(0, MAX_DIAGNOSTIC_CHARS);
}

export interface DeliveryReport {
  envid?: string;
  recipients: ReportedRecipient[];
}

/**
 * Reads every per-recipient block of a delivery-status part (RFC 3464 §2.2/§2.3). Blocks are separated
 * by blank lines; the first is per-message. delivered/relayed/expanded recipients are not bounces.
 */
export function parseDeliveryStatus(body: string): DeliveryReport {
  const blocks = body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((b) => parseHeaderBlock(b))
    .filter((b) => b.length > 0);
  const report: DeliveryReport = { recipients: [] };
  for (const block of blocks) {
    const envid = headerValue(block, "original-envelope-id");
    if (envid) report.envid = envid.trim();
    const email = addressOf(headerValue(block, "final-recipient")) ?? addressOf(headerValue(block, "original-recipient"));
    if (!email) continue;
    const action = headerValue(block, "action")?.trim().toLowerCase();
    if (action === "delivered" || action === "relayed" || action === "expanded") continue;
    const statusField = headerValue(block, "status");
    const diagnostic = cleanDiagnostic(headerValue(block, "diagnostic-code"));
    const status = effectiveStatus(statusField, diagnostic);
    report.recipients.push({
      email,
      ...(action ? { action } : {}),
      ...(status ? { status } : {}),
      ...(diagnostic ? { diagnostic } : {}),
      class: classifyStatus(action, statusField, diagnostic),
    });
  }
  return report;
}

/** @param parts every part of the message, root first (flattenParts). */
export function deliveryStatusPart(parts: MimePart[]): MimePart | undefined {
  return parts.find((p) => DELIVERY_STATUS_TYPES.has(p.contentType));
}

/** @param parts every part of the message, root first (flattenParts). */
export function feedbackReportPart(parts: MimePart[]): MimePart | undefined {
  return parts.find((p) => p.contentType === "message/feedback-report");
}

/** Message-IDs without brackets, from a header value that may list several. */
export function messageIdsIn(value: string | undefined): string[] {
  if (!value) return [];
  return [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
}

/**
 * Message-IDs and tokens from the returned original inside a report (never the report's own headers:
 * that was MC Pigeon's bug).
 * @param parts every part of the message, root first (flattenParts).
 */
export function returnedHeaderKeys(parts: MimePart[]): { messageIds: string[]; tokens: string[] } {
  const messageIds: string[] = [];
  const tokens: string[] = [];
  for (const part of parts.slice(1)) {
    if (!RETURNED_TYPES.has(part.contentType)) continue;
    // message/rfc822 bodies are whole messages; *-headers bodies are a bare header block.
    const head = part.contentType.endsWith("headers") ? part.body : splitHeaderBody(part.body).head;
    const headers = parseHeaderBlock(head);
    messageIds.push(...messageIdsIn(headerValue(headers, "message-id")));
    tokens.push(...headerValues(headers, TOKEN_HEADER).map((t) => t.trim()));
  }
  return { messageIds, tokens };
}
