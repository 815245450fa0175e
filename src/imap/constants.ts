/** Tunables of the IMAP sync and Sent-folder append, with their units and reasons. */

/** How long one mailbox sync may hold its lease; a crashed run frees the mailbox after this. */
export const SYNC_LEASE_SECONDS = 240;
/** /sync calls per mailbox per run (each reads up to SYNC_BATCH messages per folder). */
export const MAX_SYNC_ROUNDS = 10;
/** Messages the sidecar reads per folder per call: bounded so one response stays a few MB at most. */
export const SYNC_BATCH = 2_000;
/** Soft bounces suppress an address when this many of its last SOFT_WINDOW sends soft-bounced (Keila's rule). */
export const SOFT_SUPPRESS_COUNT = 3;
export const SOFT_WINDOW = 5;
/** Sender-side (5.7.x) bounces of one campaign that pause it: one can be a fluke, repeats are a block. */
export const BLOCK_PAUSE_COUNT = 2;
/** Recipient-address matching only looks at sends this recent (a bounce rarely arrives later). */
export const RECIPIENT_MATCH_DAYS = 30;
/** Sidecar instances (wrangler.toml max_instances); mailboxes are spread over them by id. */
export const SIDECAR_INSTANCES = 2;
/** Queue redelivery delay after a transient append failure (sidecar or IMAP server down). */
export const APPEND_RETRY_SECONDS = 60;
