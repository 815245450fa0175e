/**
 * The IMAP account for one sidecar call: the mailbox's password is decrypted here, placed in the request
 * body and dropped with it. The host policy is re-checked before every call (it may have been stored
 * under another policy); the sidecar checks the resolved address again at connect.
 */
import { assertMailHostAllowed, mailboxCredentials } from "../campaigns";
import type { Db, MailboxRow } from "../db";
import type { ImapAccount } from "../sidecar/protocol";

export async function imapAccountFor(db: Db, env: Env, mailboxId: number): Promise<{ row: MailboxRow; account: ImapAccount }> {
  const { row, imapPassword } = await mailboxCredentials(db, env, mailboxId);
  await assertMailHostAllowed(env, "imap", row.imapHost, row.imapPort);
  return {
    row,
    account: {
      host: row.imapHost,
      port: row.imapPort,
      security: row.imapSecurity,
      username: row.imapUsername,
      password: imapPassword,
    },
  };
}
