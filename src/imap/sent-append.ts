/**
 * The `sent-append` queue consumer: copies of sent campaign mail go to each mailbox's Sent folder
 * through the sidecar, one /append call (one IMAP connection) per mailbox per batch. The sidecar skips
 * Message-IDs already present, so redelivery never duplicates a copy. Transient failures retry with a
 * delay; a body that cannot be read retries until the queue moves it to the DLQ; nothing is acked in a catch.
 */
import { z } from "zod";
import { createDb } from "../db";
import { AppError } from "../shared/errors";
import { MAX_APPEND_BATCH, type AppendResponse } from "../sidecar/protocol";
import { imapAccountFor } from "./account";
import { sidecarClient, type SidecarClient } from "./client";
import { APPEND_RETRY_SECONDS } from "./constants";

/** What campaigns/ enqueues (its `SentCopy`): the raw inline, or in R2 when over the queue's size cap. */
const sentCopy = z.object({
  mailbox_id: z.number().int().positive(),
  message_id: z.string().min(3),
  raw: z.string().min(1).optional(),
  r2_key: z.string().min(1).optional(),
});
type SentCopyBody = z.infer<typeof sentCopy>;

function bare(messageId: string): string {
  return messageId.trim().replace(/^<|>$/g, "");
}

export interface SentAppendOptions {
  client?: SidecarClient;
}

async function appendForMailbox(
  env: Env,
  mailboxId: number,
  items: { message: Message; body: SentCopyBody }[],
  options: SentAppendOptions,
): Promise<void> {
  const db = createDb(env.DB);
  let loaded;
  try {
    loaded = await imapAccountFor(db, env, mailboxId);
  } catch (err) {
    // A deleted mailbox has no Sent folder to fill: nothing left to do for its copies.
    if (err instanceof AppError && err.type === "NOT_FOUND") {
      for (const { message } of items) message.ack();
      return;
    }
    throw err;
  }
  const ready: { message: Message; body: SentCopyBody; raw: string }[] = [];
  for (const item of items) {
    const raw = item.body.raw ?? (item.body.r2_key ? await (await env.ARCHIVE.get(item.body.r2_key))?.text() : undefined);
    if (raw === undefined) item.message.retry({ delaySeconds: APPEND_RETRY_SECONDS });
    else ready.push({ ...item, raw });
  }
  const client = options.client ?? sidecarClient(env, mailboxId);
  for (let i = 0; i < ready.length; i += MAX_APPEND_BATCH) {
    const chunk = ready.slice(i, i + MAX_APPEND_BATCH);
    try {
      await client.call<AppendResponse>("/append", {
        account: loaded.account,
        folder: loaded.row.sentFolder,
        messages: chunk.map((c) => ({ message_id: bare(c.body.message_id), raw: c.raw })),
      });
    } catch (err) {
      if (!(err instanceof AppError)) {
        console.error(JSON.stringify({ level: "error", msg: "sent-append failed", mailbox_id: mailboxId, error: err instanceof Error ? err.name : String(err) }));
      }
      for (const c of chunk) c.message.retry({ delaySeconds: APPEND_RETRY_SECONDS });
      continue;
    }
    for (const c of chunk) {
      if (c.body.r2_key) await env.ARCHIVE.delete(c.body.r2_key);
      c.message.ack();
    }
  }
}

export async function consumeSentAppend(batch: MessageBatch, env: Env, options: SentAppendOptions = {}): Promise<void> {
  const byMailbox = new Map<number, { message: Message; body: SentCopyBody }[]>();
  for (const message of batch.messages) {
    const parsed = sentCopy.safeParse(message.body);
    if (!parsed.success || (!parsed.data.raw && !parsed.data.r2_key)) {
      message.retry();
      continue;
    }
    const list = byMailbox.get(parsed.data.mailbox_id) ?? [];
    list.push({ message, body: parsed.data });
    byMailbox.set(parsed.data.mailbox_id, list);
  }
  for (const [mailboxId, items] of byMailbox) {
    try {
      await appendForMailbox(env, mailboxId, items, options);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "sent-append failed", mailbox_id: mailboxId, error: err instanceof Error ? err.name : String(err) }));
      for (const { message } of items) message.retry({ delaySeconds: APPEND_RETRY_SECONDS });
    }
  }
}
