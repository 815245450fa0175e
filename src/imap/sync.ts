/**
 * `mailboxes.sync` and the cron: one mailbox at a time under a D1 lease, sidecar /sync in rounds until
 * no folder has more, each round's events recorded before its checkpoint is stored (a crash re-reads,
 * it never skips). The bounce folder and INBOX are read (replies land in INBOX even when bounces are
 * filed elsewhere). A failing mailbox is reported and left at its checkpoint for the next run.
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { createDb, imapCheckpoints, imapMailboxState, mailboxes, type Db } from "../db";
import { AppError } from "../shared/errors";
import { tokenCodec } from "../shared/tokens";
import type { Checkpoint, SyncResponse } from "../sidecar/protocol";
import { imapAccountFor } from "./account";
import { sidecarClient, type SidecarClient } from "./client";
import { MAX_SYNC_ROUNDS, SYNC_BATCH, SYNC_LEASE_SECONDS } from "./constants";
import { emptyTally, recordEvent, type SyncTally } from "./record";

export interface SyncSummary extends SyncTally {
  mailbox_id: number;
  /** Messages read from the folders in this run (all kinds, ordinary mail included). */
  scanned: number;
  folders: { path: string; error?: string }[];
}

export interface SyncOptions {
  now?: () => Date;
  /** Overrides the env-derived client (tests point it at a stopped sidecar). */
  client?: SidecarClient;
}

async function acquireLease(db: Db, mailboxId: number, now: Date): Promise<boolean> {
  const until = new Date(now.getTime() + SYNC_LEASE_SECONDS * 1000).toISOString();
  const nowIso = now.toISOString();
  await db.insert(imapMailboxState).values({ mailboxId }).onConflictDoNothing();
  const claimed = await db
    .update(imapMailboxState)
    .set({ leaseUntil: until })
    .where(
      and(eq(imapMailboxState.mailboxId, mailboxId), or(isNull(imapMailboxState.leaseUntil), lt(imapMailboxState.leaseUntil, nowIso))),
    )
    .returning({ id: imapMailboxState.mailboxId });
  return claimed.length > 0;
}

async function loadCheckpoints(db: Db, mailboxId: number): Promise<Map<string, Checkpoint>> {
  const rows = await db.select().from(imapCheckpoints).where(eq(imapCheckpoints.mailboxId, mailboxId));
  return new Map(rows.map((r) => [r.folder, { uidvalidity: r.uidvalidity, last_uid: r.lastUid }]));
}

/** Syncs one mailbox now. Throws NOT_FOUND, CONFLICT (already running) or the sidecar's error. */
export async function syncMailbox(env: Env, db: Db, mailboxId: number, options: SyncOptions = {}): Promise<SyncSummary> {
  const now = options.now ?? (() => new Date());
  const { row, account } = await imapAccountFor(db, env, mailboxId);
  if (!(await acquireLease(db, mailboxId, now()))) {
    throw new AppError("CONFLICT", `Mailbox ${mailboxId} is being synced right now; try again in a few minutes.`, { mailbox_id: mailboxId });
  }
  const client = options.client ?? sidecarClient(env, mailboxId);
  const codec = await tokenCodec(env.TRACKING_SIGNING_KEYS);
  const folders = [...new Set([row.bounceFolder, "INBOX"])];
  const summary: SyncSummary = { mailbox_id: mailboxId, scanned: 0, folders: [], ...emptyTally() };
  let failure: unknown;
  try {
    const errors = new Map<string, string>();
    for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
      const checkpoints = await loadCheckpoints(db, mailboxId);
      const pending = folders.filter((f) => !errors.has(f));
      if (pending.length === 0) break;
      const res = await client.call<SyncResponse>("/sync", {
        account,
        folders: pending.map((path) => ({ path, checkpoint: checkpoints.get(path) ?? null })),
        batch: SYNC_BATCH,
      });
      const ctx = { db, codec, mailboxId, now: now() };
      for (const event of res.events) await recordEvent(ctx, event, summary);
      for (const f of res.folders) {
        summary.scanned += f.scanned;
        if (f.error) errors.set(f.path, f.error);
        if (!f.checkpoint) continue;
        const values = { uidvalidity: f.checkpoint.uidvalidity, lastUid: f.checkpoint.last_uid, updatedAt: now().toISOString() };
        await db
          .insert(imapCheckpoints)
          .values({ mailboxId, folder: f.path, ...values })
          .onConflictDoUpdate({ target: [imapCheckpoints.mailboxId, imapCheckpoints.folder], set: values });
      }
      if (!res.folders.some((f) => f.more)) break;
    }
    summary.folders = folders.map((path) => (errors.has(path) ? { path, error: errors.get(path)! } : { path }));
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    const lastError = failure === undefined ? null : failure instanceof AppError ? failure.message : "internal error";
    await db
      .update(imapMailboxState)
      .set({ leaseUntil: null, lastSyncAt: now().toISOString(), lastError })
      .where(eq(imapMailboxState.mailboxId, mailboxId));
  }
  return summary;
}

export interface MailboxSyncResult {
  mailbox_id: number;
  ok: boolean;
  summary?: SyncSummary;
  error?: { type: string; message: string };
}

/** The cron job: every mailbox, one at a time, each failure reported on its own. */
export async function syncAllMailboxes(env: Env, options: SyncOptions = {}): Promise<MailboxSyncResult[]> {
  const db = createDb(env.DB);
  const ids = (await db.select({ id: mailboxes.id }).from(mailboxes).orderBy(mailboxes.id)).map((r) => r.id);
  const results: MailboxSyncResult[] = [];
  for (const id of ids) {
    try {
      results.push({ mailbox_id: id, ok: true, summary: await syncMailbox(env, db, id, options) });
    } catch (err) {
      const error = err instanceof AppError ? { type: err.type, message: err.message } : { type: "INTERNAL", message: "internal error" };
      if (!(err instanceof AppError)) {
        console.error(JSON.stringify({ level: "error", msg: "imap sync failed", mailbox_id: id, error: err instanceof Error ? err.message : String(err) }));
      }
      results.push({ mailbox_id: id, ok: false, error });
    }
  }
  return results;
}
