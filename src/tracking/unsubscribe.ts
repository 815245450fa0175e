/**
 * Unsubscribing a recipient (RFC 8058 one-click or the confirm page's button): suppress the address
 * tenant-wide and record one `unsubscribe` event, in one D1 batch (a transaction), so either both
 * happen or neither does. Idempotent: the suppression is insert-or-ignore on (tenant, email) and the
 * event's dedupe key is per (campaign, recipient), so the campaign's `unsubscribed` counter (kept by
 * the trigger in migrations/*_tracking_counters.sql) moves once however often the POST is repeated.
 *
 * Raw SQL rather than the drizzle builder: each statement is an INSERT … SELECT guarded by the
 * recipient actually belonging to the token's campaign, which the builder cannot express as plainly.
 */

/** Where the request came from; stored in the event's `detail.source` (deliverability.md §3). */
export type UnsubscribeSource = "one_click" | "page";

export type UnsubscribeOutcome = "unsubscribed" | "unknown_recipient";

export interface UnsubscribeTarget {
  campaignId: number;
  recipientId: number;
}

const SUPPRESS_SQL = `
INSERT INTO suppressions (tenant, email, reason, source_campaign_id, created_at)
SELECT c.tenant, r.email, 'unsubscribe', c.id, ?3
FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
WHERE r.id = ?2 AND r.campaign_id = ?1
ON CONFLICT (tenant, email) DO NOTHING`;

// Anonymous-count campaigns keep no recipient linkage on events; the suppression row still names the
// address, because honouring the unsubscribe requires it.
const EVENT_SQL = `
INSERT INTO campaign_events (campaign_id, recipient_id, kind, is_bot, detail, dedupe_key, created_at)
SELECT c.id, CASE WHEN c.anonymous_counts THEN NULL ELSE r.id END, 'unsubscribe', 0,
       json_object('source', ?4), 'unsubscribe:' || c.id || ':' || r.id, ?3
FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
WHERE r.id = ?2 AND r.campaign_id = ?1
ON CONFLICT (dedupe_key) DO NOTHING`;

const FOUND_SQL = `SELECT count(*) AS found FROM campaign_recipients WHERE id = ?2 AND campaign_id = ?1`;

/**
 * Suppresses the recipient's address and records the event. A token whose recipient is not in its
 * campaign (or whose campaign was deleted) changes nothing and yields `unknown_recipient`.
 * D1 failures propagate; the caller answers "try again" (the POST is safe to repeat).
 */
export async function unsubscribe(
  d1: D1Database,
  target: UnsubscribeTarget,
  source: UnsubscribeSource,
  at: string = new Date().toISOString(),
): Promise<UnsubscribeOutcome> {
  const args = [target.campaignId, target.recipientId, at, source] as const;
  const [, , found] = await d1.batch<{ found: number }>([
    d1.prepare(SUPPRESS_SQL).bind(...args.slice(0, 3)),
    d1.prepare(EVENT_SQL).bind(...args),
    d1.prepare(FOUND_SQL).bind(...args.slice(0, 2)),
  ]);
  return (found?.results[0]?.found ?? 0) > 0 ? "unsubscribed" : "unknown_recipient";
}
