/**
 * Renders one campaign message for one recipient: mustache (logic-less, explicit view, HTML-escaped
 * by default) → marked for HTML plus a real text/plain part, subject templating, a visible
 * unsubscribe link when the template has none, tracked links (`/t/c/<token>`), an open pixel
 * (`/t/o/<token>`) and every header the contract lists. Header values are stripped of line breaks
 * here even though input validation already refused them.
 */
import Mustache from "mustache";
import { Marked, type Token } from "marked";
import type { CampaignRow, MailboxRow } from "../db";
import type { TokenCodec } from "../shared/tokens";
import { MAX_TRACKED_URL_BYTES } from "../shared/tokens";
import { domainOf, encodeWords, formatAddress, stripLineBreaks } from "./address";
import { FEEDBACK_SENDER_ID } from "./constants";
import { buildMime, rfc5322Date, type HeaderList } from "./mime";

export interface RenderRecipient {
  id: number;
  email: string;
  name: string | null;
  meta: Record<string, unknown>;
  token: string;
}

export interface RenderContext {
  campaign: CampaignRow;
  mailbox: MailboxRow;
  codec: TokenCodec;
  /** PUBLIC_BASE_URL without a trailing slash. */
  baseUrl: string;
  now: Date;
}

export interface RenderedMessage {
  recipientId: number;
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: HeaderList;
  messageId: string;
  /** Signed message token: X-Pigeonhole-Msg and the DSN ENVID. */
  envelopeId: string;
  /** Distinct tracked destinations in document order (index = link_index). */
  links: string[];
  raw: string;
}

const UNSUBSCRIBE_FOOTER = "\n\n---\n\nDon't want these emails? [Unsubscribe]({{{unsubscribe_url}}}).\n";
const SAFE_HREF = /^(https?:|mailto:)/i;

export async function renderMessage(ctx: RenderContext, recipient: RenderRecipient): Promise<RenderedMessage> {
  const { campaign, mailbox, codec, baseUrl } = ctx;
  const ids = { campaignId: campaign.id, recipientId: recipient.id };
  const [unsubscribeToken, openToken, messageToken] = await Promise.all([
    codec.sign({ kind: "unsubscribe", ...ids }),
    codec.sign({ kind: "open", ...ids }),
    codec.sign({ kind: "message", ...ids }),
  ]);
  const unsubscribeUrl = `${baseUrl}/u/${unsubscribeToken}`;
  const view = {
    recipient: { name: recipient.name ?? "", email: recipient.email, meta: recipient.meta },
    campaign: { name: campaign.name },
    unsubscribe_url: unsubscribeUrl,
  };
  const template = /\{\{\{?\s*unsubscribe_url\s*\}?\}\}/.test(campaign.templateMarkdown)
    ? campaign.templateMarkdown
    : campaign.templateMarkdown + UNSUBSCRIBE_FOOTER;
  const markdownHtml = Mustache.render(template, view, {});
  const markdownText = Mustache.render(template, view, {}, { escape: (v: string) => v });
  const subject = stripLineBreaks(Mustache.render(campaign.subject, view, {}, { escape: (v: string) => v })).trim();

  const marked = new Marked({ gfm: true, async: false });
  const tokens = marked.lexer(markdownHtml);
  const links = collectLinks(marked, tokens, unsubscribeUrl);
  const tracked = new Map<string, string>();
  if (campaign.trackClicks) {
    await Promise.all(
      links.map(async (url, linkIndex) => {
        if (new TextEncoder().encode(url).length > MAX_TRACKED_URL_BYTES) return;
        tracked.set(url, `${baseUrl}/t/c/${await codec.sign({ kind: "click", ...ids, linkIndex, url })}`);
      }),
    );
  }
  marked.walkTokens(tokens, (token) => {
    if (token.type !== "link" && token.type !== "image") return;
    if (!SAFE_HREF.test(token.href)) token.href = "#";
    else if (token.type === "link") token.href = tracked.get(token.href) ?? token.href;
  });
  const body = marked.parser(tokens);
  const preheader = campaign.preheader
    ? `<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(campaign.preheader)}</div>`
    : "";
  const pixel = campaign.trackOpens
    ? `<img src="${baseUrl}/t/o/${openToken}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`
    : "";
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>${preheader}${body}${pixel}</body></html>`;
  const text = toPlainText(markdownText, tracked);

  const fromDomain = domainOf(mailbox.fromEmail);
  const messageId = `<${recipient.token}@${fromDomain}>`;
  const headers: Array<[string, string]> = [
    ["From", formatAddress(mailbox.fromEmail, mailbox.fromName)],
    ["To", formatAddress(recipient.email, recipient.name)],
    ...(mailbox.replyTo ? [["Reply-To", `<${mailbox.replyTo}>`] as [string, string]] : []),
    ["Subject", encodeWords(subject)],
    ["Date", rfc5322Date(ctx.now)],
    ["Message-ID", messageId],
    ["List-Unsubscribe", `<${unsubscribeUrl}>`],
    ["List-Unsubscribe-Post", "List-Unsubscribe=One-Click"],
    ["List-Id", `${listPhrase(campaign.name)} <c${campaign.id}.list.${fromDomain}>`],
    ["Feedback-ID", `${campaign.id}:${mailbox.id}:${campaign.tenant}:${FEEDBACK_SENDER_ID}`],
    ...(campaign.precedenceBulk ? [["Precedence", "bulk"] as [string, string]] : []),
    ["X-Pigeonhole-Msg", messageToken],
    ...customHeaders(campaign.headers),
  ];
  return {
    recipientId: recipient.id,
    to: recipient.email,
    from: mailbox.fromEmail,
    subject,
    html,
    text,
    headers,
    messageId,
    envelopeId: messageToken,
    links,
    raw: buildMime(headers, text, html),
  };
}

function collectLinks(marked: Marked, tokens: Token[], unsubscribeUrl: string): string[] {
  const seen = new Set<string>();
  marked.walkTokens(tokens, (token) => {
    if (token.type === "link" && /^https?:/i.test(token.href) && token.href !== unsubscribeUrl) seen.add(token.href);
  });
  return [...seen];
}

/** Markdown is already readable as text; links become `label (url)`, images their alt text. */
function toPlainText(markdown: string, tracked: ReadonlyMap<string, string>): string {
  return markdown
    .replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, "$1")
    .replace(/\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_m, label: string, url: string) => {
      const target = tracked.get(url) ?? url;
      return label === url ? target : `${label} (${target})`;
    })
    .replace(/<(https?:[^>\s]+)>/g, (_m, url: string) => tracked.get(url) ?? url)
    .trim()
    .concat("\n");
}

/** Custom headers were validated at input; names that would shadow ours are dropped at render. */
const RESERVED = new Set(
  ["from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post",
    "list-id", "feedback-id", "precedence", "x-pigeonhole-msg", "mime-version", "content-type",
    "content-transfer-encoding", "sender", "return-path"],
);

export function isReservedHeader(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

function customHeaders(json: string): Array<[string, string]> {
  const parsed = JSON.parse(json) as Record<string, string>;
  return Object.entries(parsed)
    .filter(([name]) => /^[!-9;-~]+$/.test(name) && !isReservedHeader(name))
    .map(([name, value]) => [name, encodeWords(String(value))]);
}

/** RFC 2919 phrase: quoted when ASCII (names may hold commas or colons), encoded words otherwise. */
function listPhrase(name: string): string {
  const clean = stripLineBreaks(name).replace(/[<>]/g, "").trim();
  return /^[\x20-\x7e]*$/.test(clean) ? `"${clean.replace(/(["\\])/g, "\\$1")}"` : encodeWords(clean);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
