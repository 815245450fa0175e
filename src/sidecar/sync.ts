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
import type { Checkpoint, SyncFolderResult, syncRequest } from "./protocol";
import { toEventJson, type EventInput } from "./events";

type SyncInput = z.output<typeof syncRequest>;

/**
 * Classifies one message into its event's JSON text (toEventJson): a worker-thread pool in the server,
 * inline when none is given.
 */
export type Classifier = (input: EventInput) => Promise<string | undefined>;

/** A SyncResponse whose events are still JSON text; syncResponseJson writes it out. */
export interface SyncResult {
  folders: SyncFolderResult[];
  events: string[];
}

/** The SyncResponse JSON, with the events' text spliced in as it came. */
export function syncResponseJson(result: SyncResult): string {
  return `{"folders":${JSON.stringify(result.folders)},"events":[${result.events.join(",")}]}`;
}

async function syncFolder(
  client: ImapFlow,
  path: string,
  stored: Checkpoint | null,
  batch: number,
  events: string[],
  classifier: Classifier,
): Promise<SyncFolderResult> {
  const lock = await client.getMailboxLock(path, { readOnly: true });
  try {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error("mailbox not open");
    const uidvalidity = String(mailbox.uidValidity);
    const rescan = stored !== null && stored.uidvalidity !== uidvalidity;
    const from = stored !== null && !rescan ? stored.last_uid + 1 : 1;
    // A UID window instead of a SEARCH round trip: at most `batch` messages, fewer where UIDs have gaps.
    // (`n:*` would also match the highest UID when it is below n, RFC 3501 §6.4.8, so no `*` here.)
    const uidNext = Number(mailbox.uidNext ?? 0);
    const last = Math.min(from + batch - 1, Math.max(from, uidNext - 1));
    const more = uidNext - 1 > last;
    let lastUid = from - 1;
    let scanned = 0;
    if (mailbox.exists > 0 && uidNext > from) {
      const pending: Promise<string | undefined>[] = [];
      for await (const msg of client.fetch(`${from}:${last}`, { uid: true, source: true }, { uid: true })) {
        if (!msg.source || msg.uid < from || msg.uid > last) continue;
        pending.push(classifier({ folder: path, uid: msg.uid, source: msg.source }));
        lastUid = Math.max(lastUid, msg.uid);
        scanned += 1;
      }
      for (const event of await Promise.all(pending)) if (event) events.push(event);
      // The window is read even where it held no message, so the checkpoint moves past the gap.
      lastUid = Math.max(lastUid, last);
    }
    return { path, checkpoint: { uidvalidity, last_uid: lastUid }, scanned, rescan, more };
  } finally {
    lock.release();
  }
}

/** Syncs every requested folder over one session; a failing folder is reported, the others still run. */
export async function syncAccount(req: SyncInput, options: ImapOptions, classifier: Classifier = toEventJson): Promise<SyncResult> {
  return withImap(req.account, options, async (client) => {
    const events: string[] = [];
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
