/**
 * One fetched message → one sync event: its classification plus a content key that survives a
 * UIDVALIDITY change. Runs on the classify worker threads (classify-pool.ts) or inline.
 */
import { createHash } from "node:crypto";
import { classify } from "./classify";
import type { SyncEvent } from "./protocol";

/** `mid:<id>` from the message's own Message-ID, else a digest of its bytes. */
export function contentKey(source: Buffer): string {
  const end = source.indexOf("\r\n\r\n");
  const head = source.subarray(0, end < 0 ? Math.min(source.length, 64 * 1024) : end).toString("utf8");
  const mid = /^message-id:\s*<([^<>\s]+)>/im.exec(head);
  return mid ? `mid:${mid[1]}` : `sha256:${createHash("sha256").update(source).digest("hex")}`;
}

export interface EventInput {
  folder: string;
  uid: number;
  source: Uint8Array;
}

/**
 * The event as JSON text, as the /sync response carries it. Classify threads send this text rather
 * than the object: a 10k-message sync's events are megabytes, and cloning them to the main thread
 * to serialize them again there took about a tenth of the sync (measured with bench/imap-sync.ts).
 */
export async function toEventJson(input: EventInput): Promise<string | undefined> {
  const event = await toEvent(input);
  return event && JSON.stringify(event);
}

/** Classifies one fetched message into the event the Worker records; `other` mail yields none. */
async function toEvent(input: EventInput): Promise<SyncEvent | undefined> {
  const source = Buffer.from(input.source.buffer, input.source.byteOffset, input.source.byteLength);
  const c = await classify(source);
  if (c.kind === "other") return undefined;
  return {
    folder: input.folder,
    uid: input.uid,
    key: contentKey(source),
    kind: c.kind,
    ...(c.from ? { from: c.from } : {}),
    ...(c.subject ? { subject: c.subject.slice(0, 300) } : {}),
    recipients: c.recipients,
    keys: { envids: c.keys.envids, tokens: c.keys.tokens, message_ids: c.keys.messageIds },
    ...(c.feedbackType ? { feedback_type: c.feedbackType } : {}),
  };
}
