/**
 * Bounce class from RFC 3463 status codes, in the precedence the reference asks for: the DSN's Status
 * field, then the enhanced code inside Diagnostic-Code (more specific when Status is a bare x.0.0), then
 * the basic SMTP reply code, then keywords. The subject code decides the action (RFC 3463 §3):
 * x.7.x is the sender's problem (policy, authentication, reputation) and never the recipient's.
 */
import type { BounceClass } from "./types";

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
const BASIC = /\b([45])\d\d\b/;

/** Full and over-quota mailboxes: transient in practice even when sent as 5.2.2 (Mautic and Keila agree). */
const QUOTA_WORDS = /quota|mailbox (?:is )?full|insufficient (?:system )?storage|out of storage|mailbox size limit/i;
/** Sender-side refusals: reputation, authentication, content policy. */
const BLOCK_WORDS =
  /\bspam\b|blocked|block ?list|blacklist|black list|reputation|not (?:meet|pass) .*authentication|dmarc|\bspf\b|access denied|policy (?:reasons|violation)|rejected for policy/i;
/** The address itself is dead. */
const HARD_WORDS =
  /user unknown|unknown user|no such (?:user|mailbox|recipient)|does not exist|doesn't exist|doesn't have an? [\w.-]+ account|(?:mailbox|recipient) (?:not found|unavailable|disabled)|invalid (?:recipient|mailbox|address)|address rejected|no mailbox here|unrouteable address|not our customer|account (?:has been )?disabled|RecipientNotFound/i;

/** Splits `5.1.1` into numbers; undefined when the text holds no enhanced code. */
export function findEnhancedCode(text: string | undefined): string | undefined {
  const m = text === undefined ? null : ENHANCED.exec(text);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/** The most specific status available: a Status of x.0.0 yields to a detailed code in the diagnostic. */
export function effectiveStatus(status: string | undefined, diagnostic: string | undefined): string | undefined {
  const fromStatus = findEnhancedCode(status);
  const fromDiagnostic = findEnhancedCode(diagnostic);
  if (fromStatus && !/\.0\.0$/.test(fromStatus)) return fromStatus;
  if (fromDiagnostic && fromDiagnostic[0] === (fromStatus ?? fromDiagnostic)[0]) return fromDiagnostic;
  if (fromStatus) return fromStatus;
  const basic = diagnostic === undefined ? null : BASIC.exec(diagnostic);
  return basic ? `${basic[1]}.0.0` : undefined;
}

/**
 * Class of one failed or delayed recipient.
 * @param action RFC 3464 Action (`failed`, `delayed`, …); undefined for non-RFC bounces (treated as failed).
 */
export function classifyStatus(action: string | undefined, status: string | undefined, diagnostic: string | undefined): BounceClass {
  if (action?.toLowerCase() === "delayed") return "deferred";
  const code = effectiveStatus(status, diagnostic);
  const words = diagnostic ?? "";
  if (code === undefined) {
    if (QUOTA_WORDS.test(words)) return "soft";
    if (BLOCK_WORDS.test(words)) return "block";
    // Unparseable failures are never hard: a wrong suppression loses a real subscriber (listmonk agrees).
    return HARD_WORDS.test(words) ? "hard" : "soft";
  }
  const [klass, subject, detail] = code.split(".").map(Number) as [number, number, number];
  if (subject === 7) return "block";
  if (klass === 4) return "soft";
  if (subject === 1) return "hard";
  if (subject === 2) return detail === 1 ? "hard" : "soft";
  if (subject === 0 || subject === 5) {
    // Bare 5.0.0 / protocol codes carry their meaning only in words.
    if (QUOTA_WORDS.test(words)) return "soft";
    if (BLOCK_WORDS.test(words)) return "block";
    if (HARD_WORDS.test(words)) return "hard";
    return "soft";
  }
  // 5.3.x (system, message too big) and 5.4.x (routing) are not proof the address is dead.
  return "soft";
}
