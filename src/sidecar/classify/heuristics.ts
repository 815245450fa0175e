/**
 * Mail that is not an RFC 6522 report: legacy bounces (Exim's X-Failed-Recipients, qmail's QSBMF,
 * Sendmail and Exchange texts, MAILER-DAEMON senders) and RFC 3834 auto-replies with their legacy
 * markers. Word lists are our own, written from the formats those MTAs emit.
 */
import { headerValue, type HeaderField } from "./mime";
import { classifyStatus, findEnhancedCode } from "./status";
import type { ReportedRecipient } from "./types";

const BOUNCE_SENDER = /^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;
const BOUNCE_SUBJECT =
  /undeliver(?:ed|able)|returned mail|mail delivery (?:failed|failure|subsystem)|delivery (?:status notification \((?:failure|delay)\)|failure|has failed|failed)|failure notice|could not be delivered|non[- ]?delivery|nicht zustellbar/i;
/** Phrases that only failure notices use; checked in the text when sender or subject hint at a bounce. */
const BOUNCE_TEXT =
  /this is the qmail-send program|delivery has failed to these recipients|did not reach some or all|cannot be reached|couldn't be delivered|could not be delivered|permanent(?:ly)? (?:error|fatal|failure)|the following address(?:es)? failed|message could not be delivered|undeliverable|user unknown|unable to deliver/i;
const ORIGINAL_COPY =
  /copy of the (?:original )?message|below this line is a copy|original message follows|original message headers|^-+ ?original message ?-+$/i;
/** Words every ORIGINAL_COPY match contains: a text without them has no such line, so lines go unscanned. */
const ORIGINAL_COPY_WORDS = /copy|original message/i;
const DELAY_TEXT =
  /delivery (?:has been )?delayed|still trying|will (?:continue|keep) trying|attempts will continue|not yet been delivered/i;

export interface TopLevel {
  from?: string;
  subject?: string;
  text: string;
  /** the top-level header block. */
  headers: HeaderField[];
}

/** Header-level hints that a message may be a legacy bounce, so its body is worth decoding. */
export function mayBeLegacyBounce(mail: TopLevel): boolean {
  return (
    headerValue(mail.headers, "x-failed-recipients") !== undefined ||
    /auto-generated\s*\(failure\)/i.test(headerValue(mail.headers, "auto-submitted") ?? "") ||
    BOUNCE_SENDER.test(mail.from ?? "") ||
    BOUNCE_SUBJECT.test(mail.subject ?? "")
  );
}

/** Is this a bounce by legacy markers? (RFC 3464 reports are recognised before this runs.) */
export function looksLikeLegacyBounce(mail: TopLevel): boolean {
  if (headerValue(mail.headers, "x-failed-recipients")) return true;
  if (/auto-generated\s*\(failure\)/i.test(headerValue(mail.headers, "auto-submitted") ?? "")) return true;
  const bySender = BOUNCE_SENDER.test(mail.from ?? "");
  const bySubject = BOUNCE_SUBJECT.test(mail.subject ?? "");
  if (bySender && (bySubject || BOUNCE_TEXT.test(mail.text) || DELAY_TEXT.test(mail.text))) return true;
  return bySubject && BOUNCE_TEXT.test(mail.text);
}

const ADDRESS = /<?([a-z0-9._%+'=-]+@[a-z0-9.-]+\.[a-z]{2,})>?/gi;

/** Addresses a legacy bounce names as failed, each with the code and words found near it. */
export function legacyRecipients(mail: TopLevel, ownAddresses: string[]): ReportedRecipient[] {
  const own = new Set(ownAddresses.map((a) => a.toLowerCase()));
  const found = new Map<string, string>();
  const failedHeader = headerValue(mail.headers, "x-failed-recipients");
  if (failedHeader) {
    for (const m of failedHeader.matchAll(ADDRESS)) found.set(m[1]!.toLowerCase(), "");
  }
  // Stop before the copy of the original many bouncers append: its To: is the recipient, but so is
  // every address it quotes, and the qmail/Exim lists above it are authoritative.
  const allLines = mail.text.split(/\r?\n/);
  const copyAt = ORIGINAL_COPY_WORDS.test(mail.text) ? allLines.findIndex((l) => ORIGINAL_COPY.test(l)) : -1;
  const lines = copyAt < 0 ? allLines : allLines.slice(0, copyAt);
  // qmail (QSBMF): "<addr>:" on its own line, then the remote's words on the following lines.
  for (const [i, line] of lines.entries()) {
    if (!line.includes("@")) continue;
    const qmail = /^<([^<>\s]+@[^<>\s]+)>:\s*$/.exec(line.trim());
    if (qmail) found.set(qmail[1]!.toLowerCase(), lines.slice(i + 1, i + 4).join(" "));
  }
  if (found.size === 0) {
    // Exchange / Sendmail / Yahoo texts: the first addresses named next to a failure phrase or code.
    for (const [i, line] of lines.entries()) {
      if (!line.includes("@")) continue;
      for (const m of line.matchAll(ADDRESS)) {
        const email = m[1]!.toLowerCase();
        if (own.has(email) || found.has(email) || /^(?:mailer-daemon|postmaster)@/.test(email)) continue;
        const near = lines.slice(i, i + 5).join(" ");
        const context = lines.slice(Math.max(0, i - 8), i + 5).join(" ");
        if (findEnhancedCode(near) || /\b[45]\d\d\b/.test(near) || BOUNCE_TEXT.test(context) || DELAY_TEXT.test(context)) {
          found.set(email, near);
        }
      }
    }
  }
  // X-Failed-Recipients names the address but not why: take the words where the text names it.
  for (const [email, near] of found) {
    const at = near ? -1 : lines.findIndex((l) => l.toLowerCase().includes(email));
    if (at >= 0) found.set(email, lines.slice(at, at + 5).join(" "));
  }
  const delayed = DELAY_TEXT.test(mail.subject ?? "") || DELAY_TEXT.test(lines.join("\n"));
  const allWords = lines.join(" ");
  return [...found.entries()].map(([email, near]) => {
    const words = (near || allWords).replace(/\s+/g, " ").trim();
    const status = findEnhancedCode(near) ?? findEnhancedCode(allWords);
    const diagnostic = diagnosticNear(words);
    const klass = classifyStatus(delayed ? "delayed" : undefined, status, diagnostic ?? words);
    return {
      email,
      ...(delayed ? { action: "delayed" } : {}),
      ...(status ? { status } : {}),
      ...(diagnostic ? { diagnostic } : {}),
      class: klass,
    };
  });
}

function diagnosticNear(words: string): string | undefined {
  const m = /\b[45]\d\d[ :-][^\n]{0,300}/.exec(words) ?? /\(#\d\.\d\.\d+\)/.exec(words);
  return m ? m[0].slice(0, 500).trim() : undefined;
}

const AUTO_SUBJECT =
  /^(?:auto(?:matic)?(?:[ -]?reply)?\s*:|automatic reply|autoreply|auto-reply|out of (?:the )?office|abwesenheitsnotiz|r[ée]ponse automatique|respuesta autom[áa]tica|away from (?:my|the) office|on vacation|i am (?:currently )?out of)/i;

/**
 * RFC 3834 §5: any Auto-Submitted other than `no` is automatic; legacy markers (X-Autoreply,
 * X-Autorespond, Precedence auto_reply/bulk/junk) and subject markers ("Automatic reply:", "Out of
 * Office") catch responders that predate it. `Precedence: list` is not one: list mail can be human.
 */
export function looksLikeAutoReply(mail: TopLevel): boolean {
  const autoSubmitted = headerValue(mail.headers, "auto-submitted")?.trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith("no")) return true;
  if (["x-autoreply", "x-autorespond", "x-autoreply-from"].some((name) => headerValue(mail.headers, name))) return true;
  if (/^(?:auto_reply|bulk|junk)$/i.test(headerValue(mail.headers, "precedence")?.trim() ?? "")) return true;
  return AUTO_SUBJECT.test(mail.subject ?? "");
}
