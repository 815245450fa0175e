/** Campaign limits and timings; each carries its unit and the reason for its value. */

/** Recipients accepted per post_recipients call; the rest is reported as `remaining` (MC Pigeon's contract). */
export const MAX_RECIPIENT_BATCH = 1000;
/** D1 allows at most 100 bound parameters per statement; 4 bound values per recipient row → 25 rows. */
export const RECIPIENT_INSERT_ROWS = 25;
/** Lookups by `IN (…)` stay under the same 100-parameter cap (one slot for the campaign id). */
export const IN_LIST_MAX = 90;
/** Recipients per queue message; each message is sent over one SMTP connection. */
export const SEND_CHUNK_SIZE = 100;
/** Queue sendBatch accepts at most 100 messages per call. */
export const QUEUE_BATCH_MAX = 100;
/** Deliveries of one send-queue message: max_retries (5, wrangler.toml) + 1. */
export const SEND_QUEUE_MAX_DELIVERIES = 6;
/** Attempts per recipient before a 4xx becomes `failed`; below the queue's max_retries (5). */
export const MAX_SEND_ATTEMPTS = 4;
/** 4xx backoff: base × 2^(attempt−1), capped, in seconds. */
export const RETRY_BASE_SECONDS = 30;
export const RETRY_MAX_SECONDS = 900;
/** A `sending` claim older than this means the worker died inside the SMTP transaction. */
export const SEND_LEASE_SECONDS = 120;
/** SMTP/IMAP network timeouts, milliseconds. */
export const MAIL_CONNECT_TIMEOUT_MS = 15_000;
export const MAIL_REPLY_TIMEOUT_MS = 30_000;
/** Renderings returned by `send {dry_run: true}`. */
export const DRY_RUN_RENDERINGS = 3;
/** Sent-folder copies larger than this go to R2 and the queue message carries the key (queue limit 128 KB). */
export const SENT_APPEND_INLINE_MAX_BYTES = 96 * 1024;
/** Failed recipients listed by `status`. */
export const STATUS_ERROR_SAMPLE = 5;
/** The Feedback-ID SenderId (Gmail FBL wants 5–15 stable characters). */
export const FEEDBACK_SENDER_ID = "pigeonhole";
