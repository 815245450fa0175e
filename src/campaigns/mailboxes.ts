/**
 * Mailboxes: the user's own SMTP/IMAP accounts campaigns send through. Passwords are sealed with
 * AES-GCM before they touch D1 and are never returned; the wire shape says only `has_*_password`.
 */
import { eq } from "drizzle-orm";
import { campaigns, mailboxes, type Db, type MailSecurity, type MailboxRow } from "../db";
import { AppError } from "../shared/errors";
import { nowIso } from "../shared/time";
import { assertSingleLine, normaliseEmail } from "./address";
import { assertMailHostAllowed } from "./host-policy";
import { openSecret, sealSecret } from "./secrets";

export interface MailboxInput {
  name: string;
  from_name: string;
  from_email: string;
  reply_to?: string | null;
  smtp_host: string;
  smtp_port: number;
  smtp_security?: MailSecurity;
  /** MC Pigeon compatibility: true → starttls (tls on 465), false → none. */
  smtp_starttls?: boolean;
  smtp_username: string;
  smtp_password: string;
  imap_host: string;
  imap_port: number;
  imap_security?: MailSecurity;
  /** MC Pigeon compatibility: true → tls, false → starttls. */
  imap_ssl?: boolean;
  imap_username: string;
  imap_password: string;
  sent_folder?: string;
  bounce_folder?: string;
  rate_per_minute?: number | null;
  daily_cap?: number | null;
}

export type MailboxPatch = Partial<MailboxInput> & { id: number };

export interface Mailbox {
  id: number;
  name: string;
  from_name: string;
  from_email: string;
  reply_to: string | null;
  smtp_host: string;
  smtp_port: number;
  smtp_security: MailSecurity;
  smtp_username: string;
  has_smtp_password: boolean;
  imap_host: string;
  imap_port: number;
  imap_security: MailSecurity;
  imap_username: string;
  has_imap_password: boolean;
  sent_folder: string;
  bounce_folder: string;
  rate_per_minute: number | null;
  daily_cap: number | null;
  created_at: string;
  updated_at: string;
}

/** What the sender and verify need: the row plus decrypted passwords, never leaving the Worker. */
export interface MailboxCredentials {
  row: MailboxRow;
  smtpPassword: string;
  imapPassword: string;
}

type SecretEnv = Pick<Env, "MAILBOX_ENCRYPTION_KEY" | "ALLOW_PRIVATE_MAIL_HOSTS">;

export function toMailbox(row: MailboxRow): Mailbox {
  return {
    id: row.id,
    name: row.name,
    from_name: row.fromName,
    from_email: row.fromEmail,
    reply_to: row.replyTo,
    smtp_host: row.smtpHost,
    smtp_port: row.smtpPort,
    smtp_security: row.smtpSecurity,
    smtp_username: row.smtpUsername,
    has_smtp_password: row.smtpPasswordCt !== "",
    imap_host: row.imapHost,
    imap_port: row.imapPort,
    imap_security: row.imapSecurity,
    imap_username: row.imapUsername,
    has_imap_password: row.imapPasswordCt !== "",
    sent_folder: row.sentFolder,
    bounce_folder: row.bounceFolder,
    rate_per_minute: row.ratePerMinute,
    daily_cap: row.dailyCap,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function smtpSecurityOf(input: Partial<MailboxInput>, port: number): MailSecurity | undefined {
  if (input.smtp_security) return input.smtp_security;
  if (input.smtp_starttls === undefined) return undefined;
  if (!input.smtp_starttls) return port === 465 ? "tls" : "none";
  return port === 465 ? "tls" : "starttls";
}

function imapSecurityOf(input: Partial<MailboxInput>): MailSecurity | undefined {
  if (input.imap_security) return input.imap_security;
  if (input.imap_ssl === undefined) return undefined;
  return input.imap_ssl ? "tls" : "starttls";
}

function checkFields(input: Partial<MailboxInput>): void {
  // Passwords too: IMAP LOGIN sends them as quoted strings, where a line break would end the command.
  for (const field of ["name", "from_name", "reply_to", "smtp_host", "imap_host", "smtp_username", "imap_username",
    "smtp_password", "imap_password", "sent_folder", "bounce_folder"] as const) {
    assertSingleLine(input[field], field);
  }
  for (const field of ["from_email", "reply_to"] as const) {
    const value = input[field];
    if (value != null && normaliseEmail(value) === null) {
      throw new AppError("INVALID_ARGUMENT", `${field} must be a plain email address such as news@example.com.`, {
        field,
      });
    }
  }
}

export async function createMailbox(db: Db, env: SecretEnv, input: MailboxInput): Promise<Mailbox> {
  checkFields(input);
  await assertMailHostAllowed(env, "smtp", input.smtp_host, input.smtp_port);
  await assertMailHostAllowed(env, "imap", input.imap_host, input.imap_port);
  const [smtp, imap] = await Promise.all([
    sealSecret(env.MAILBOX_ENCRYPTION_KEY, "smtp_password", input.smtp_password),
    sealSecret(env.MAILBOX_ENCRYPTION_KEY, "imap_password", input.imap_password),
  ]);
  const now = nowIso();
  const [row] = await db
    .insert(mailboxes)
    .values({
      name: input.name,
      fromName: input.from_name,
      fromEmail: normaliseEmail(input.from_email)!,
      replyTo: input.reply_to ? normaliseEmail(input.reply_to) : null,
      smtpHost: input.smtp_host.trim(),
      smtpPort: input.smtp_port,
      smtpSecurity: smtpSecurityOf(input, input.smtp_port) ?? (input.smtp_port === 465 ? "tls" : "starttls"),
      smtpUsername: input.smtp_username,
      smtpPasswordCt: smtp.ct,
      smtpPasswordIv: smtp.iv,
      imapHost: input.imap_host.trim(),
      imapPort: input.imap_port,
      imapSecurity: imapSecurityOf(input) ?? (input.imap_port === 143 ? "starttls" : "tls"),
      imapUsername: input.imap_username,
      imapPasswordCt: imap.ct,
      imapPasswordIv: imap.iv,
      sentFolder: input.sent_folder ?? "Sent",
      bounceFolder: input.bounce_folder ?? "INBOX",
      ratePerMinute: input.rate_per_minute ?? null,
      dailyCap: input.daily_cap ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return toMailbox(row!);
}

export async function getMailboxRow(db: Db, id: number): Promise<MailboxRow> {
  const row = await db.query.mailboxes.findFirst({ where: eq(mailboxes.id, id) });
  if (!row) {
    throw new AppError("NOT_FOUND", `Mailbox ${id} not found; call mailboxes {action:"list"} for valid ids.`, {
      mailbox_id: id,
    });
  }
  return row;
}

export async function getMailbox(db: Db, id: number): Promise<Mailbox> {
  return toMailbox(await getMailboxRow(db, id));
}

export async function listMailboxes(db: Db): Promise<{ mailboxes: Mailbox[] }> {
  const rows = await db.select().from(mailboxes).orderBy(mailboxes.id).limit(500);
  return { mailboxes: rows.map(toMailbox) };
}

/** Omitted fields (secrets included) stay unchanged. */
export async function updateMailbox(db: Db, env: SecretEnv, patch: MailboxPatch): Promise<Mailbox> {
  const current = await getMailboxRow(db, patch.id);
  checkFields(patch);
  const smtpHost = patch.smtp_host ?? current.smtpHost;
  const smtpPort = patch.smtp_port ?? current.smtpPort;
  const imapHost = patch.imap_host ?? current.imapHost;
  const imapPort = patch.imap_port ?? current.imapPort;
  await assertMailHostAllowed(env, "smtp", smtpHost, smtpPort);
  await assertMailHostAllowed(env, "imap", imapHost, imapPort);
  const smtp = patch.smtp_password === undefined ? undefined : await sealSecret(env.MAILBOX_ENCRYPTION_KEY, "smtp_password", patch.smtp_password);
  const imap = patch.imap_password === undefined ? undefined : await sealSecret(env.MAILBOX_ENCRYPTION_KEY, "imap_password", patch.imap_password);
  const [row] = await db
    .update(mailboxes)
    .set({
      name: patch.name,
      fromName: patch.from_name,
      fromEmail: patch.from_email === undefined ? undefined : normaliseEmail(patch.from_email)!,
      replyTo: patch.reply_to === undefined ? undefined : patch.reply_to && normaliseEmail(patch.reply_to),
      smtpHost: smtpHost.trim(),
      smtpPort,
      smtpSecurity: smtpSecurityOf(patch, smtpPort),
      smtpUsername: patch.smtp_username,
      smtpPasswordCt: smtp?.ct,
      smtpPasswordIv: smtp?.iv,
      imapHost: imapHost.trim(),
      imapPort,
      imapSecurity: imapSecurityOf(patch),
      imapUsername: patch.imap_username,
      imapPasswordCt: imap?.ct,
      imapPasswordIv: imap?.iv,
      sentFolder: patch.sent_folder,
      bounceFolder: patch.bounce_folder,
      ratePerMinute: patch.rate_per_minute,
      dailyCap: patch.daily_cap,
      updatedAt: nowIso(),
    })
    .where(eq(mailboxes.id, patch.id))
    .returning();
  return toMailbox(row!);
}

/** Refused while any campaign still points at the mailbox (and always while one is sending). */
export async function deleteMailbox(db: Db, id: number): Promise<{ deleted: true; id: number }> {
  await getMailboxRow(db, id);
  const users = await db
    .select({ id: campaigns.id, state: campaigns.state })
    .from(campaigns)
    .where(eq(campaigns.mailboxId, id))
    .limit(20);
  if (users.length > 0) {
    const sending = users.filter((c) => c.state === "sending").map((c) => c.id);
    throw new AppError(
      "CONFLICT",
      sending.length > 0
        ? `Mailbox ${id} is sending campaign(s) ${sending.join(", ")}; pause or cancel them first.`
        : `Mailbox ${id} is used by campaign(s) ${users.map((c) => c.id).join(", ")}; switch them with campaign_mailbox or delete them first.`,
      { mailbox_id: id, campaign_ids: users.map((c) => c.id) },
    );
  }
  await db.delete(mailboxes).where(eq(mailboxes.id, id));
  return { deleted: true, id };
}

export async function mailboxCredentials(db: Db, env: SecretEnv, id: number): Promise<MailboxCredentials> {
  const row = await getMailboxRow(db, id);
  const [smtpPassword, imapPassword] = await Promise.all([
    openSecret(env.MAILBOX_ENCRYPTION_KEY, "smtp_password", { ct: row.smtpPasswordCt, iv: row.smtpPasswordIv }),
    openSecret(env.MAILBOX_ENCRYPTION_KEY, "imap_password", { ct: row.imapPasswordCt, iv: row.imapPasswordIv }),
  ]);
  return { row, smtpPassword, imapPassword };
}
