/**
 * POST /sync: reads each folder from the Worker's checkpoint and returns classified events plus the
 * new checkpoint. Folders are opened read-only (EXAMINE) and fetched with BODY.PEEK, so no flag ever
 * changes: the user's INBOX stays unread, nothing is moved or deleted. A changed UIDVALIDITY means
 * every stored UID is void (RFC 3501 §2.3.1.1): the folder is read again from UID 1 and the Worker
 * drops what it already recorded by each event's content key.
 */
import type { ImapFlow } from "imapflow";
import type { z } from "zod";
import { describeImapError, withImap, type ImapOptions } from "./imap";
import type { Checkpoint, SyncEvent, SyncFolderResult, SyncResponse, syncRequest } from "./protocol";
import { toEvent, type EventInput } from "./events";

type SyncInput = z.output<typeof syncRequest>;

/** Where messages are classified: a worker-thread pool in the server, inline when none is given. */
export type Classifier = (input: EventInput) => Promise<SyncEvent | undefined>;

async function syncFolder(
  client: ImapFlow,
  path: string,
  stored: Checkpoint | null,
  batch: number,
  events: SyncEvent[],
  classifier: Classifier,
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
      // Classification runs beside the fetch (worker threads), so parsing never stalls the IMAP stream.
      const pending: Promise<SyncEvent | undefined>[] = [];
      for await (const msg of client.fetch(range, { uid: true, source: true, internalDate: true }, { uid: true })) {
        if (!msg.source || msg.uid < from) continue;
        const date = msg.internalDate instanceof Date ? msg.internalDate.toISOString() : undefined;
        pending.push(classifier({ folder: path, uid: msg.uid, source: msg.source, ...(date ? { date } : {}) }));
        lastUid = Math.max(lastUid, msg.uid);
      }
      for (const event of await Promise.all(pending)) if (event) events.push(event);
    }
    return { path, checkpoint: { uidvalidity, last_uid: lastUid }, scanned: take.length, rescan, more: uids.length > take.length };
  } finally {
    lock.release();
  }
}

/** Syncs every requested folder over one session; a failing folder is reported, the others still run. */
export async function syncAccount(req: SyncInput, options: ImapOptions, classifier: Classifier = toEvent): Promise<SyncResponse> {
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
        folders.push(await syncFolder(client, folder.path, folder.checkpoint, req.batch, events, classifier));
      } catch (err) {
        events.length = before;
        folders.push({ path: folder.path, scanned: 0, rescan: false, more: false, error: describeImapError(err).message });
        if (!client.usable) throw describeImapError(err);
      }
    }
    return { folders, events };
  });
}
