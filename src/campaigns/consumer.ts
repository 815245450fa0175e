/**
 * The `send-queue` consumer: one chunk per message, one SMTP connection per chunk. Transient
 * failures retry with the sender's backoff; anything unexpected propagates so the queue redelivers
 * (and finally dead-letters) the message; nothing is acked inside a catch.
 */
import { createDb } from "../db";
import { senderPorts } from "./ports";
import { processSendChunk, type SendChunk } from "./sender";

export async function consumeSendQueue(batch: MessageBatch, env: Env): Promise<void> {
  const ports = await senderPorts(env, createDb(env.DB));
  for (const message of batch.messages) {
    const outcome = await processSendChunk(ports, message.body as SendChunk);
    if (outcome.action === "ack") message.ack();
    else message.retry({ delaySeconds: outcome.delaySeconds });
  }
}
