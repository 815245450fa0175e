/** Worker entry: wires fetch (Hono), queue consumers, the cron trigger and the Durable Object classes. */
import { app } from "./app";
import { purgeExpiredOAuthData } from "./auth";
import { consumeSendQueue } from "./campaigns";
import { consumeSentAppend, syncAllMailboxes } from "./imap";
import { dispatchQueue, type QueueConsumer } from "./queues";
import { consumeTrackingEvents } from "./tracking";

export { RateLimiter } from "./auth";
export { ProjectCoordinator } from "./coordinator";
export { MailEvents } from "./notifications";
export { SidecarContainer } from "./sidecar/container";

/** Consumers by queue name; each context registers its own as it lands. */
const QUEUE_CONSUMERS: Readonly<Record<string, QueueConsumer>> = {
  "send-queue": consumeSendQueue,
  "tracking-events": consumeTrackingEvents,
  "sent-append": (batch, env) => consumeSentAppend(batch, env),
};

/** Jobs run by the cron trigger (IMAP sync registers here). */
const SCHEDULED_JOBS: ReadonlyArray<(env: Env, ctx: ExecutionContext) => Promise<void>> = [
  // Per-mailbox failures are reported in the results and retried by the next run from the checkpoint.
  async (env) => {
    await syncAllMailboxes(env);
  },
  purgeExpiredOAuthData,
];

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => dispatchQueue(QUEUE_CONSUMERS, batch, env, ctx),
  scheduled: async (_controller, env, ctx) => {
    await Promise.all(SCHEDULED_JOBS.map((job) => job(env, ctx)));
  },
} satisfies ExportedHandler<Env>;
