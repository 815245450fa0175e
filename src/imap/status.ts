/** What the dashboard and operators see of each mailbox's IMAP side: the last sync and any block flag. */
import { imapMailboxState, type Db } from "../db";

export interface MailboxSyncStatus {
  mailbox_id: number;
  last_sync_at: string | null;
  /** The last run's failure in words; null after a good run. */
  last_error: string | null;
  blocked_at: string | null;
  block_reason: string | null;
}

/** Sync status of every mailbox that has been synced at least once, keyed by mailbox id. */
export async function mailboxSyncStatuses(db: Db): Promise<Map<number, MailboxSyncStatus>> {
  const rows = await db.select().from(imapMailboxState);
  return new Map(
    rows.map((row) => [
      row.mailboxId,
      {
        mailbox_id: row.mailboxId,
        last_sync_at: row.lastSyncAt,
        last_error: row.lastError,
        blocked_at: row.blockedAt,
        block_reason: row.blockReason,
      },
    ]),
  );
}
