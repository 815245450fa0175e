/**
 * The one choke point for header safety and addresses: every header value and address passes here
 * before it reaches a message. Line breaks (CR, LF, NUL, U+2028/2029) are rejected at input and
 * stripped at render; display names and subjects are RFC 2047-encoded here, never by the transport.
 */
import { AppError } from "../shared/errors";

const LINE_BREAK = /[\r\n\0\u2028\u2029]/;
const LINE_BREAKS = /[\r\n\0\u2028\u2029]+/g;
/** Unquoted dot-atom local part (RFC 5322 §3.4.1); quoted local parts are refused on purpose. */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function hasLineBreak(value: string): boolean {
  return LINE_BREAK.test(value);
}

/** Render-time defence in depth: collapses any line break that slipped past input validation. */
export function stripLineBreaks(value: string): string {
  return value.replace(LINE_BREAKS, " ");
}

/** Throws INVALID_ARGUMENT naming the field when a single-line value contains a line break. */
export function assertSingleLine(value: string | undefined | null, field: string): void {
  if (value != null && hasLineBreak(value)) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `${field} must be a single line: remove carriage returns and line feeds (header injection is refused).`,
      { field },
    );
  }
}

/** trim + lowercase domain, or null when the address is not a plain mailbox address. */
export function normaliseEmail(input: string): string | null {
  const value = input.trim();
  if (value.length > 254 || hasLineBreak(value)) return null;
  const at = value.lastIndexOf("@");
  if (at <= 0) return null;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  if (local.length > 64 || !LOCAL_PART.test(local)) return null;
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l)) || !/^[a-z-]{2,63}$|^xn--/.test(labels.at(-1)!)) {
    return null;
  }
  return `${local}@${domain}`;
}

export interface ParsedAddress {
  email: string;
  name: string | null;
}

/** Parses `ada@ex.com`, `Ada Lovelace <ada@ex.com>` or `"Lovelace, Ada" <ada@ex.com>`; reason on failure. */
export function parseAddress(input: string): ParsedAddress | { reason: string } {
  if (hasLineBreak(input)) return { reason: "contains a line break" };
  const angle = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<>"]*?))\s*<([^<>]+)>\s*$/.exec(input);
  const rawEmail = angle ? angle[3]! : input;
  const email = normaliseEmail(rawEmail);
  if (!email) return { reason: "not a valid email address" };
  const name = angle ? (angle[1] ?? angle[2] ?? "").replace(/\\(.)/g, "$1").trim() : "";
  return { email, name: name === "" ? null : name };
}

/** The registered domain part of an address, for Message-ID and List-Id. */
export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

/**
 * RFC 2047 B-encoding when needed, in encoded words of ≤ 75 characters folded with CRLF SP,
 * split on UTF-8 character boundaries.
 */
export function encodeWords(value: string): string {
  const text = stripLineBreaks(value);
  if (/^[\x20-\x7e]*$/.test(text) && text.length <= 900) return text;
  const words: string[] = [];
  let chunk = "";
  for (const char of text) {
    if (new TextEncoder().encode(chunk + char).length > 45) {
      words.push(chunk);
      chunk = "";
    }
    chunk += char;
  }
  if (chunk !== "") words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${utf8Base64(w)}?=`).join("\r\n ");
}

/** `"Display Name" <email>` with the name quoted or encoded as needed. */
export function formatAddress(email: string, name: string | null | undefined): string {
  const clean = name ? stripLineBreaks(name).trim() : "";
  if (clean === "") return `<${email}>`;
  if (!/^[\x20-\x7e]*$/.test(clean)) return `${encodeWords(clean)} <${email}>`;
  return `"${clean.replace(/(["\\])/g, "\\$1")}" <${email}>`;
}

function utf8Base64(text: string): string {
  let binary = "";
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}
