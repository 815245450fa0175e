/**
 * The `tracking-events` consumer: writes a batch of opens and clicks into `campaign_events` with one
 * D1 batch (one transaction, one round trip).
 *
 * - Redelivery: every message carries the id minted at enqueue; it is the event's UNIQUE dedupe key
 *   and the insert is ON CONFLICT DO NOTHING, so a message delivered twice inserts once.
 * - Counters: the AFTER INSERT trigger (migrations/*_tracking_counters.sql) bumps the campaign's
 *   totals and, for a person's first open/click, its uniques. A trigger fires only for rows actually
 *   inserted, in the same transaction, so counters can neither miss an event nor count one twice.
 * - Privacy switches are read from the campaign row inside the insert: opens of a campaign with
 *   `track_opens` off and clicks with `track_clicks` off are dropped; `anonymous_counts` stores the
 *   event without its recipient. Events for a recipient outside the token's campaign are dropped.
 * - Failures: a D1 error retries the whole batch with backoff (the insert is idempotent); a message
 *   that does not parse is retried until it lands in the DLQ for inspection. Nothing is acked in a catch.
 */
import { dedupeKeyOf, trackingEventSchema, type TrackingEvent } from "./events";

const INSERT_EVENT_SQL = `
INSERT INTO campaign_events (campaign_id, recipient_id, kind, link_index, is_bot, detail, dedupe_key, created_at)
SELECT c.id, CASE WHEN c.anonymous_counts THEN NULL ELSE r.id END, ?3, ?4, ?5, json_object('agent', ?6), ?7, ?8
FROM campaigns c JOIN campaign_recipients r ON r.campaign_id = c.id
WHERE c.id = ?1 AND r.id = ?2 AND (CASE ?3 WHEN 'open' THEN c.track_opens ELSE c.track_clicks END)
ON CONFLICT (dedupe_key) DO NOTHING`;

/** Backoff for a failed batch: 10 s, 20 s, 40 s… capped at 5 min (queue max_retries bounds the tries). */
const RETRY_BASE_SECONDS = 10;
const RETRY_MAX_SECONDS = 300;

export function retryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
}

export async function consumeTrackingEvents(batch: MessageBatch, env: Env): Promise<void> {
  const parsed: Array<{ message: Message; event: TrackingEvent }> = [];
  for (const message of batch.messages) {
    const result = trackingEventSchema.safeParse(message.body);
    if (result.success) {
      parsed.push({ message, event: result.data });
    } else {
      console.error(JSON.stringify({ level: "error", msg: "malformed tracking event", queue: batch.queue, id: message.id }));
      message.retry();
    }
  }
  if (parsed.length === 0) return;

  const statements = parsed.map(({ event }) => insertEvent(env.DB, event));
  let failure: unknown;
  try {
    await env.DB.batch(statements);
  } catch (err) {
    failure = err;
  }
  if (failure !== undefined) {
    console.error(
      JSON.stringify({ level: "error", msg: "tracking events not written; retrying", error: String(failure) }),
    );
    for (const { message } of parsed) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  for (const { message } of parsed) message.ack();
}

function insertEvent(d1: D1Database, event: TrackingEvent): D1PreparedStatement {
  return d1
    .prepare(INSERT_EVENT_SQL)
    .bind(
      event.campaignId,
      event.recipientId,
      event.kind,
      event.linkIndex ?? null,
      event.isBot ? 1 : 0,
      event.agent,
      dedupeKeyOf(event),
      event.at,
    );
}
