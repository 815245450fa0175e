/**
 * `mailboxes.verify`: a real SMTP EHLO + AUTH, a real IMAP LOGIN + LIST and an SPF/DMARC lookup for
 * the From domain. Every failure is a sentence; the password is scrubbed from anything we return.
 */
import type { Db } from "../db";
import { domainOf } from "./address";
import { assertMailHostAllowed } from "./host-policy";
import { ImapProbeError, probeImap } from "./imap-probe";
import { mailboxCredentials } from "./mailboxes";
import { SmtpConnectionError, SmtpReplyError, SmtpSession } from "./smtp-session";

export interface VerifyResult {
  mailbox_id: number;
  smtp: { ok: boolean; error?: string };
  imap: { ok: boolean; error?: string; folders?: string[] };
  dns: { spf: string | null; dmarc: string | null; error?: string };
}

const DNS_TIMEOUT_MS = 3000;

export async function verifyMailbox(db: Db, env: Env, id: number): Promise<VerifyResult> {
  const { row, smtpPassword, imapPassword } = await mailboxCredentials(db, env, id);
  await assertMailHostAllowed(env, "smtp", row.smtpHost, row.smtpPort);
  await assertMailHostAllowed(env, "imap", row.imapHost, row.imapPort);
  const scrub = (text: string) => scrubSecrets(text, [smtpPassword, imapPassword]);

  const smtp = (async (): Promise<VerifyResult["smtp"]> => {
    try {
      const session = await SmtpSession.open({
        host: row.smtpHost,
        port: row.smtpPort,
        security: row.smtpSecurity,
        username: row.smtpUsername,
        password: smtpPassword,
        heloName: domainOf(row.fromEmail),
      });
      await session.close();
      return { ok: true };
    } catch (err) {
      if (err instanceof SmtpReplyError && err.stage === "auth") {
        return { ok: false, error: scrub(`SMTP login refused (wrong smtp_username or smtp_password?): the server said ${err.message}`) };
      }
      if (err instanceof SmtpReplyError) return { ok: false, error: scrub(`SMTP ${err.stage} refused: the server said ${err.message}`) };
      if (err instanceof SmtpConnectionError) {
        return { ok: false, error: scrub(`Could not complete SMTP with ${row.smtpHost}:${row.smtpPort} (${row.smtpSecurity}): ${err.message}`) };
      }
      throw err;
    }
  })();
  const imap = (async (): Promise<VerifyResult["imap"]> => {
    try {
      const { folders } = await probeImap({
        host: row.imapHost,
        port: row.imapPort,
        security: row.imapSecurity,
        username: row.imapUsername,
        password: imapPassword,
      });
      return { ok: true, folders };
    } catch (err) {
      if (err instanceof ImapProbeError) return { ok: false, error: scrub(err.message) };
      throw err;
    }
  })();
  const [smtpResult, imapResult, dns] = await Promise.all([smtp, imap, dnsChecks(domainOf(row.fromEmail))]);
  return { mailbox_id: id, smtp: smtpResult, imap: imapResult, dns };
}

function scrubSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets.filter((s) => s.length >= 3)) {
    out = out.split(secret).join("[redacted]");
    out = out.split(btoa(unescape(encodeURIComponent(secret)))).join("[redacted]");
  }
  return out;
}

/** SPF and DMARC TXT records of the From domain over DoH; absent records are null, not errors. */
async function dnsChecks(domain: string): Promise<VerifyResult["dns"]> {
  // RFC 2606/6761 reserved names never have records; don't ask the resolver about them.
  if (/(^|\.)(example|test|invalid|localhost)$/i.test(domain) || /(^|\.)example\.(com|net|org)$/i.test(domain)) {
    return { spf: null, dmarc: null, error: `${domain} is a reserved domain (RFC 2606); DNS was not consulted` };
  }
  const txt = async (name: string): Promise<string[]> => {
    const res = await fetch(`https://cloudflare-dns.com/dns-query?name=${encodeURIComponent(name)}&type=TXT`, {
      headers: { accept: "application/dns-json" },
      signal: AbortSignal.timeout(DNS_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`DNS lookup failed with HTTP ${res.status}`);
    const body = (await res.json()) as { Answer?: Array<{ type: number; data: string }> };
    return (body.Answer ?? []).filter((a) => a.type === 16).map((a) => a.data.replace(/^"|"$/g, "").replace(/" "/g, ""));
  };
  try {
    const [root, dmarc] = await Promise.all([txt(domain), txt(`_dmarc.${domain}`)]);
    return {
      spf: root.find((r) => r.toLowerCase().startsWith("v=spf1")) ?? null,
      dmarc: dmarc.find((r) => r.toLowerCase().startsWith("v=dmarc1")) ?? null,
    };
  } catch (err) {
    return { spf: null, dmarc: null, error: `DNS lookup for ${domain} did not complete: ${err instanceof Error ? err.message : String(err)}` };
  }
}
