/**
 * The `send-queue` consumer: one chunk per message, one SMTP connection per chunk, the chunks of a
 * batch in parallel (max_batch_size in wrangler.toml bounds the connections per consumer). Transient
 * failures retry with the sender's backoff; an unexpected error retries only its own message, so
 * the queue redelivers (and finally dead-letters) it; nothing is acked inside a catch.
 */
import { createDb } from "../db";
import { senderPorts } from "./ports";
import { SEND_QUEUE_MAX_DELIVERIES } from "./constants";
import { giveUpOnChunk, processSendChunk, type SendChunk } from "./sender";

export async function consumeSendQueue(batch: MessageBatch, env: Env): Promise<void> {
  const ports = await senderPorts(env, createDb(env.DB));
  const finalDeliveries: Message[] = [];
  const outcomes = await Promise.allSettled(batch.messages.map((m) => processSendChunk(ports, m.body as SendChunk)));
  outcomes.forEach((outcome, i) => {
    const message = batch.messages[i]!;
    if (outcome.status === "rejected") {
      console.error(JSON.stringify({ level: "error", msg: "send chunk failed", id: message.id, error: String(outcome.reason) }));
      message.retry();
    } else if (outcome.value.action === "ack") message.ack();
    else if (message.attempts >= SEND_QUEUE_MAX_DELIVERIES) finalDeliveries.push(message);
    else message.retry({ delaySeconds: outcome.value.delaySeconds });
  });
  for (const message of finalDeliveries) {
    await giveUpOnChunk(ports, message.body as SendChunk, message.attempts);
    message.ack();
  }
}
