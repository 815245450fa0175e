/**
 * Routes each queue batch to its consumer by queue name. Consumers retry transient failures and
 * leave poison messages to the DLQ (wrangler.toml); they never ack inside a catch.
 */
export type QueueConsumer = (batch: MessageBatch, env: Env, ctx: ExecutionContext) => Promise<void>;

export async function dispatchQueue(
  consumers: Readonly<Record<string, QueueConsumer>>,
  batch: MessageBatch,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  // Queue names may carry an environment suffix in production (e.g. send-queue-staging).
  const name = Object.keys(consumers).find((q) => batch.queue === q || batch.queue.startsWith(`${q}-`));
  const consumer = name === undefined ? undefined : consumers[name];
  if (!consumer) {
    console.error(JSON.stringify({ level: "error", msg: "no consumer for queue", queue: batch.queue }));
    batch.retryAll();
    return;
  }
  await consumer(batch, env, ctx);
}
