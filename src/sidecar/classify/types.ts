/**
 * What the classifier says about one message. These shapes travel to the Worker as JSON, so they hold
 * plain strings only; the Worker does the matching against D1 (the sidecar has no database).
 */

/** hard → suppress; soft → counted; block → sender-side, pause; deferred → record only. */
export type BounceClass = "hard" | "soft" | "block" | "deferred";

export type MailKind = "bounce" | "complaint" | "auto_reply" | "reply" | "other";

/** One recipient a bounce or complaint reports on. */
export interface ReportedRecipient {
  /** lowercased address from Final-Recipient (else Original-Recipient, X-Failed-Recipients, text). */
  email: string;
  /** RFC 3464 Action when the report had one. */
  action?: string;
  /** The effective RFC 3463 code (`5.1.1`), when any could be found. */
  status?: string;
  /** Diagnostic text, unfolded and capped; hostile input, to be escaped wherever shown. */
  diagnostic?: string;
  class: BounceClass;
}

/** Keys to match the message to one of our sends, best first (deliverability.md §4.4). */
export interface MatchKeys {
  /** Original-Envelope-Id values (our ENVID = the recipient's message token). */
  envids: string[];
  /** X-Pigeonhole-Msg values found in the returned headers. */
  tokens: string[];
  /** Message-IDs (without angle brackets) of the returned original, or In-Reply-To/References for replies. */
  messageIds: string[];
}

export interface Classification {
  kind: MailKind;
  /** For bounces (several per DSN) and complaints (the complaining address). */
  recipients: ReportedRecipient[];
  keys: MatchKeys;
  /** ARF Feedback-Type (`abuse`, `fraud`, …) for complaints. */
  feedbackType?: string;
  /** The message's own sender address and subject, for the unmatched review list. */
  from?: string;
  subject?: string;
}
