/** Tunables of the coordinator, with units and the reason for each value. */

/** Lease length when claim_paths gives no ttl_seconds: an hour covers a typical edit session. */
export const DEFAULT_CLAIM_TTL_SECONDS = 3600;

/** Shortest lease and shortest renewal bump: shorter leases expire before another agent can even see them. */
export const MIN_CLAIM_TTL_SECONDS = 60;

/** Longest lease (30 days): a forgotten claim must end eventually even if nobody force-releases it. */
export const MAX_CLAIM_TTL_SECONDS = 30 * 24 * 3600;

/** A holder silent for this long (no claim, check or mail activity) may lose a claim to force_release_claim. */
export const FORCE_RELEASE_INACTIVITY_SECONDS = 1800;

/** Longest claim pattern accepted (the original's column width). */
export const MAX_PATTERN_LENGTH = 512;

/** Most patterns in one claim/check call: keeps one call's work (patterns × active claims) bounded. */
export const MAX_PATTERNS_PER_CALL = 500;

/** Delay before retrying archive jobs that failed (R2 hiccup), in milliseconds. */
export const ARCHIVE_RETRY_DELAY_MS = 30_000;

/** How long claims snapshots wait before the alarm commits them (ms): long enough to coalesce a burst of calls. */
export const CLAIMS_ARCHIVE_DELAY_MS = 1_000;

/**
 * How long a sent message waits before the alarm commits it (ms): a burst of sends then shares one commit, one tree
 * rewrite and one pack, and the archive trails D1 (the record) by about this much.
 */
export const MESSAGES_ARCHIVE_DELAY_MS = 1_000;

/**
 * A Worker isolate tells a project's coordinator about new mail at most this often (ms); sends in between rely on
 * the pass that tell already scheduled (see MAIL_FOLLOW_TRAILING_MS).
 */
export const MAIL_FOLLOW_PING_INTERVAL_MS = 250;

/**
 * After an archive pass that ran within this long of the last "new mail" tell (ms), one more pass follows: a send
 * whose tell was skipped committed to D1 within MAIL_FOLLOW_PING_INTERVAL_MS of an earlier tell, so a pass that ran
 * before it landed is always followed by one that sees it. Generous, to absorb clock skew between isolates.
 */
export const MAIL_FOLLOW_TRAILING_MS = 2_000;

/** Messages read from D1 per query of an archive pass. */
export const MAIL_FOLLOW_PAGE = 200;

/** Pages one archive pass reads at most (then commits them together); a pass that read them all runs again at once. */
export const MAIL_FOLLOW_PASS_PAGES = 10;

/** A pass that read at least this many messages is in a burst of mail (see MESSAGES_ARCHIVE_BURST_DELAY_MS). */
export const MAIL_BURST_MESSAGES = 100;

/**
 * During a burst of mail the next archive pass waits this long (ms) instead of MESSAGES_ARCHIVE_DELAY_MS, so it
 * commits a few seconds of mail at once: a commit's cost is mostly per commit (rewriting the month's trees,
 * uploading a pack), and on a shared host every commit competes with the sends themselves. The archive then trails
 * D1 by at most about this much while the burst lasts.
 */
export const MESSAGES_ARCHIVE_BURST_DELAY_MS = 5_000;

/**
 * While mail keeps arriving, packs are merged only once this many are live (a clone fetches each pack and its
 * index); otherwise merging waits for the quiet pass after the burst, which merges them in one go instead of
 * rewriting the newest packs after every commit.
 */
export const MAX_PACKS_BEFORE_MERGE = 32;
