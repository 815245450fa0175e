/** IMAP context: the sidecar client, Sent-folder appends, bounce/reply sync and the IMAP half of verify. */
export { sidecarClient, type SidecarClient } from "./client";
export { consumeSentAppend, type SentAppendOptions } from "./sent-append";
export { syncAllMailboxes, syncMailbox, type MailboxSyncResult, type SyncOptions, type SyncSummary } from "./sync";
export { verifyImapViaSidecar, verifyMailboxViaSidecar, type ImapVerifyResult } from "./verify";
export { mailboxSyncStatuses, type MailboxSyncStatus } from "./status";
