/**
 * POST /sync: reads each folder from the Worker's checkpoint and returns classified events plus the
 * new checkpoint. Folders are opened read-only (EXAMINE) and fetched with BODY.PEEK, so no flag ever
 * changes: the user's INBOX stays unread, nothing is moved or deleted. A changed UIDVALIDITY means
 * every stored UID is void (RFC 3501 §2.3.1.1): the folder is read again from UID 1 and the Worker
 * drops what it already recorded by each event's content key.
 */
import { createHash } from "node:crypto";
import type { ImapFlow } from "imapflow";
import type { z } from "zod";
import { classify } from "./classify";
import { describeImapError, withImap, type ImapOptions } from "./imap";
import type { Checkpoint, SyncEvent, SyncFolderResult, SyncResponse, syncRequest } from "./protocol";

type SyncInput = z.output<typeof syncRequest>;

/** `mid:<id>` from the message's own Message-ID, else a digest of its bytes. */
export function contentKey(source: Buffer): string {
  const end = source.indexOf("\r\n\r\n");
  const head = source.subarray(0, end < 0 ? Math.min(source.length, 64 * 1024) : end).toString("utf8");
  const mid = /^message-id:\s*<([^<>\s]+)>/im.exec(head);
  return mid ? `mid:${mid[1]}` : `sha256:${createHash("sha256").update(source).digest("hex")}`;
}

async function toEvent(folder: string, uid: number, source: Buffer, date: Date | undefined): Promise<SyncEvent | undefined> {
  const c = await classify(source);
  if (c.kind === "other") return undefined;
  return {
    folder,
    uid,
    key: contentKey(source),
    kind: c.kind,
    ...(date ? { date: date.toISOString() } : {}),
    ...(c.from ? { from: c.from } : {}),
    ...(c.subject ? { subject: c.subject.slice(0, 300) } : {}),
    recipients: c.recipients,
    keys: { envids: c.keys.envids, tokens: c.keys.tokens, message_ids: c.keys.messageIds },
    ...(c.feedbackType ? { feedback_type: c.feedbackType } : {}),
  };
}

async function syncFolder(
  client: ImapFlow,
  path: string,
  stored: Checkpoint | null,
  batch: number,
  events: SyncEvent[],
): Promise<SyncFolderResult> {
  const lock = await client.getMailboxLock(path, { readOnly: true });
  try {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error("mailbox not open");
    const uidvalidity = String(mailbox.uidValidity);
    const rescan = stored !== null && stored.uidvalidity !== uidvalidity;
    const from = stored !== null && !rescan ? stored.last_uid + 1 : 1;
    // `n:*` always matches the highest UID even when it is below n (RFC 3501 §6.4.8), hence the filter.
    const found = mailbox.exists === 0 ? [] : ((await client.search({ uid: `${from}:*` }, { uid: true })) || []);
    const uids = found.filter((u) => u >= from).sort((a, b) => a - b);
    const take = uids.slice(0, batch);
    let lastUid = from - 1;
    if (take.length > 0) {
      const range = `${take[0]}:${take[take.length - 1]}`;
      for await (const msg of client.fetch(range, { uid: true, source: true, internalDate: true }, { uid: true })) {
        if (!msg.source || msg.uid < from) continue;
        const date = msg.internalDate instanceof Date ? msg.internalDate : undefined;
        const event = await toEvent(path, msg.uid, msg.source, date);
        if (event) events.push(event);
        lastUid = Math.max(lastUid, msg.uid);
      }
    }
    return { path, checkpoint: { uidvalidity, last_uid: lastUid }, scanned: take.length, rescan, more: uids.length > take.length };
  } finally {
    lock.release();
  }
}

/** Syncs every requested folder over one session; a failing folder is reported, the others still run. */
export async function syncAccount(req: SyncInput, options: ImapOptions): Promise<SyncResponse> {
  return withImap(req.account, options, async (client) => {
    const events: SyncEvent[] = [];
    const folders: SyncFolderResult[] = [];
    const existing = new Set((await client.list()).map((f) => (f.path.toUpperCase() === "INBOX" ? "INBOX" : f.path)));
    for (const folder of req.folders) {
      const before = events.length;
      const path = folder.path.toUpperCase() === "INBOX" ? "INBOX" : folder.path;
      if (!existing.has(path)) {
        folders.push({ path: folder.path, scanned: 0, rescan: false, more: false, error: `Folder ${JSON.stringify(folder.path)} does not exist.` });
        continue;
      }
      try {
        folders.push(await syncFolder(client, folder.path, folder.checkpoint, req.batch, events));
      } catch (err) {
        events.length = before;
        folders.push({ path: folder.path, scanned: 0, rescan: false, more: false, error: describeImapError(err).message });
        if (!client.usable) throw describeImapError(err);
      }
    }
    return { folders, events };
  });
}
