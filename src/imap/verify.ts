/**
 * The IMAP half of `mailboxes.verify` through the sidecar: a real LOGIN and LIST, and whether the bounce
 * folder exists (a missing Sent folder is fine: /append creates it). Errors are words, never the password.
 */
import { verifyMailbox, type VerifyResult } from "../campaigns";
import type { Db, MailboxRow } from "../db";
import { AppError } from "../shared/errors";
import type { ImapAccount, VerifyResponse } from "../sidecar/protocol";
import { sidecarClient } from "./client";

export interface ImapVerifyResult {
  ok: boolean;
  error?: string;
  folders?: string[];
}

export async function verifyImapViaSidecar(env: Env, row: MailboxRow, account: ImapAccount): Promise<ImapVerifyResult> {
  try {
    const res = await sidecarClient(env, row.id).call<VerifyResponse>("/verify", { account, folders: [row.bounceFolder] });
    return {
      ok: res.ok,
      ...(res.error ? { error: res.error.split(account.password).join("[redacted]") } : {}),
      ...(res.folders ? { folders: res.folders } : {}),
    };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err.message };
    throw err;
  }
}

/** `mailboxes.verify` with its IMAP half (LOGIN, LIST, bounce folder) done by the sidecar. */
export function verifyMailboxViaSidecar(db: Db, env: Env, id: number): Promise<VerifyResult> {
  return verifyMailbox(db, env, id, (row, account) => verifyImapViaSidecar(env, row, account));
}
