/** Binds the sender's and send action's ports to the Worker environment (D1, SMTP sockets, queues, R2). */
import type { Db } from "../db";
import { tokenCodec } from "../shared/tokens";
import { SENT_APPEND_INLINE_MAX_BYTES } from "./constants";
import { mailboxCredentials, type MailboxCredentials } from "./mailboxes";
import type { SendPorts } from "./send";
import type { SenderPorts, SentCopy, Transport } from "./sender";
import { SmtpSession } from "./smtp-session";
import { assertMailHostAllowed } from "./host-policy";

export async function openSmtpTransport(env: Env, mailbox: MailboxCredentials): Promise<Transport> {
  const { row } = mailbox;
  // Re-checked at every connect: the host may have been stored under another policy.
  await assertMailHostAllowed(env, "smtp", row.smtpHost, row.smtpPort);
  return SmtpSession.open({
    host: row.smtpHost,
    port: row.smtpPort,
    security: row.smtpSecurity,
    username: row.smtpUsername,
    password: mailbox.smtpPassword,
    heloName: row.fromEmail.slice(row.fromEmail.lastIndexOf("@") + 1),
  });
}

function baseUrlOf(env: Env): string {
  return env.PUBLIC_BASE_URL.replace(/\/+$/, "");
}

export async function sendPorts(env: Env, db: Db): Promise<SendPorts> {
  return {
    db,
    codec: await tokenCodec(env.TRACKING_SIGNING_KEYS),
    baseUrl: baseUrlOf(env),
    enqueue: async (chunks) => {
      await env.SEND_QUEUE.sendBatch(chunks.map((body) => ({ body, contentType: "json" as const })));
    },
    loadMailbox: (id) => mailboxCredentials(db, env, id),
    openTransport: (mailbox) => openSmtpTransport(env, mailbox),
  };
}

export async function senderPorts(env: Env, db: Db): Promise<SenderPorts> {
  return {
    db,
    codec: await tokenCodec(env.TRACKING_SIGNING_KEYS),
    baseUrl: baseUrlOf(env),
    now: () => new Date(),
    loadMailbox: (id) => mailboxCredentials(db, env, id),
    openTransport: (mailbox) => openSmtpTransport(env, mailbox),
    requeue: async (chunk, delaySeconds) => {
      await env.SEND_QUEUE.send(chunk, { contentType: "json", delaySeconds: Math.min(delaySeconds, 43_200) });
    },
    appendSent: (copies, raws) => enqueueSentCopies(env, copies, raws),
  };
}

/** Small copies travel inline; large ones go to R2 first (queue messages are capped at 128 KB). */
async function enqueueSentCopies(env: Env, copies: SentCopy[], raws: string[]): Promise<void> {
  const bodies = await Promise.all(
    copies.map(async (copy, i) => {
      const raw = raws[i]!;
      if (raw.length <= SENT_APPEND_INLINE_MAX_BYTES) return { ...copy, raw };
      const key = `sent-append/${copy.campaign_id}/${copy.recipient_id}.eml`;
      await env.ARCHIVE.put(key, raw, { httpMetadata: { contentType: "message/rfc822" } });
      return { ...copy, r2_key: key };
    }),
  );
  // sendBatch caps a call at 100 messages and 256 KB in total.
  let batch: Array<{ body: SentCopy; contentType: "json" }> = [];
  let size = 0;
  for (const body of bodies) {
    const bytes = (body.raw?.length ?? 0) + 512;
    if (batch.length > 0 && (batch.length === 100 || size + bytes > 240 * 1024)) {
      await env.SENT_APPEND.sendBatch(batch);
      batch = [];
      size = 0;
    }
    batch.push({ body, contentType: "json" });
    size += bytes;
  }
  if (batch.length > 0) await env.SENT_APPEND.sendBatch(batch);
}
