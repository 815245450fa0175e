/**
 * The Worker ↔ sidecar wire contract: request schemas (zod, parsed by the sidecar) and response
 * types (read by the Worker's client). Imports nothing from Node or workerd so both sides share it.
 * Mailbox credentials travel in every request and are never stored or logged by the sidecar.
 */
import { z } from "zod";

/** The header carrying the shared secret (SIDECAR_SHARED_SECRET) on every call. */
export const SECRET_HEADER = "x-sidecar-secret";

/** Messages read per folder per /sync call; the Worker calls again while `more` is true. */
export const DEFAULT_SYNC_BATCH = 2_000;
export const MAX_SYNC_BATCH = 10_000;
/** Messages per /append call: one IMAP connection per batch, bounded so a call stays short. */
export const MAX_APPEND_BATCH = 100;

const folderName = z.string().min(1).max(500);

export const imapAccount = z.object({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535),
  security: z.enum(["tls", "starttls", "none"]),
  username: z.string().min(1).max(320),
  password: z.string().min(1).max(1_000),
});
export type ImapAccount = z.infer<typeof imapAccount>;

export const verifyRequest = z.object({
  account: imapAccount,
  /** Folders that must exist (sent and bounce folders). */
  folders: z.array(folderName).max(20).default([]),
});
export type VerifyRequest = z.input<typeof verifyRequest>;

export interface VerifyResponse {
  ok: boolean;
  /** In words, never echoing the password: "wrong username or password", "TLS handshake failed", … */
  error?: string;
  folders?: string[];
  /** Requested folders that do not exist. */
  missing?: string[];
}

export const appendRequest = z.object({
  account: imapAccount,
  folder: folderName,
  messages: z
    .array(
      z.object({
        /** Without angle brackets; the idempotency key (SEARCH HEADER Message-ID before APPEND). */
        message_id: z.string().min(3).max(998),
        raw: z.string().min(1).max(30_000_000),
      }),
    )
    .min(1)
    .max(MAX_APPEND_BATCH),
});
export type AppendRequest = z.input<typeof appendRequest>;

export interface AppendResponse {
  folder_created: boolean;
  results: { message_id: string; status: "appended" | "already_present" }[];
}

export const checkpoint = z.object({
  /** IMAP UIDVALIDITY as a decimal string (it is a 32-bit unsigned value; strings survive JSON intact). */
  uidvalidity: z.string().regex(/^\d{1,20}$/),
  last_uid: z.number().int().min(0),
});
export type Checkpoint = z.infer<typeof checkpoint>;

export const syncRequest = z.object({
  account: imapAccount,
  folders: z.array(z.object({ path: folderName, checkpoint: checkpoint.nullable().default(null) })).min(1).max(10),
  batch: z.number().int().min(1).max(MAX_SYNC_BATCH).default(DEFAULT_SYNC_BATCH),
});
export type SyncRequest = z.input<typeof syncRequest>;

export interface SyncRecipient {
  email: string;
  action?: string;
  status?: string;
  diagnostic?: string;
  class: "hard" | "soft" | "block" | "deferred";
}

/** One classified message (kind `other` is counted, not returned). */
export interface SyncEvent {
  folder: string;
  uid: number;
  /** Stable across UIDVALIDITY changes: `mid:<Message-ID>` or `sha256:<hex of the bytes>`. */
  key: string;
  kind: "bounce" | "complaint" | "auto_reply" | "reply";
  from?: string;
  subject?: string;
  recipients: SyncRecipient[];
  keys: { envids: string[]; tokens: string[]; message_ids: string[] };
  feedback_type?: string;
}

export interface SyncFolderResult {
  path: string;
  /** New checkpoint to store once the events are recorded. Absent when the folder failed. */
  checkpoint?: Checkpoint;
  scanned: number;
  /** UIDVALIDITY differed from the stored checkpoint: the folder was read from the start. */
  rescan: boolean;
  /** More messages remain beyond this batch. */
  more: boolean;
  error?: string;
}

export interface SyncResponse {
  folders: SyncFolderResult[];
  events: SyncEvent[];
}
