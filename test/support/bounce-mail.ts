/** What a remote MTA and a recipient send back to a campaign mailbox: a hard-bounce DSN and a reply, as raw RFC 5322. */

/** A header of a raw message (the first, case-insensitive), from its header block. */
export function headerOf(raw: string, name: string): string {
  return new RegExp(`^${name}:\\s*(.+)$`, "im").exec(raw.slice(0, raw.indexOf("\r\n\r\n")))![1]!.trim();
}

export interface BounceInput {
  /** The message we sent, as the SMTP sink received it. */
  sent: string;
  /** The campaign mailbox the report goes to. */
  mailbox: string;
  /** The address that does not exist. */
  recipient: string;
  /** Local part of the report's Message-ID. */
  id: string;
  /** A human-readable first part, as most MTAs add (RFC 3464 allows it); omitted when undefined. */
  explanation?: string;
}

/** A delivery status notification (RFC 3464) saying `recipient` does not exist (5.1.1), quoting what we sent. */
export function hardBounceDsn({ sent, mailbox, recipient, id, explanation }: BounceInput): string {
  const human = explanation === undefined ? [] : ["--B", "Content-Type: text/plain", "", explanation];
  return [
    "From: MAILER-DAEMON@mx.test",
    `To: ${mailbox}`,
    "Subject: Undelivered Mail Returned to Sender",
    `Message-ID: <${id}@mx.test>`,
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    "",
    ...human,
    "--B",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.test",
    `Original-Envelope-Id: ${headerOf(sent, "X-Pigeonhole-Msg")}`,
    "",
    `Final-Recipient: rfc822; ${recipient}`,
    "Action: failed",
    "Status: 5.1.1",
    "",
    "--B",
    "Content-Type: text/rfc822-headers",
    "",
    `Message-ID: ${headerOf(sent, "Message-ID")}`,
    "",
    "--B--",
    "",
  ].join("\r\n");
}

/** A recipient's reply to what we sent (threaded by In-Reply-To). */
export function replyTo(input: { sent: string; mailbox: string; from: string; id: string; body: string }): string {
  return [
    `From: ${input.from}`,
    `To: ${input.mailbox}`,
    "Subject: Re: Hi",
    `Message-ID: <${input.id}@client.test>`,
    `In-Reply-To: ${headerOf(input.sent, "Message-ID")}`,
    "",
    input.body,
    "",
  ].join("\r\n");
}
