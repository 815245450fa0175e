/**
 * What the dashboard shows about a campaign beyond `status`: the send rate over time (messages per minute,
 * from recipients' sent_at) and clicks per tracked link (human clicks; bot-classified ones are counted
 * apart). Read-only aggregates over D1.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db";
import { getCampaign, type Campaign } from "./campaigns";
import { campaignStatus } from "./send";

/** The chart covers at most this many minutes (the most recent ones): two hours of sending. */
const SEND_RATE_MAX_MINUTES = 120;

export interface CampaignStatusView {
  state: string;
  pause_reason: string | null;
  total: number;
  queued: number;
  sent: number;
  failed: number;
  skipped: number;
  opened: number;
  clicked: number;
  bounced: number;
  unsubscribed: number;
  complaints: number;
  replies: number;
  last_event_at: string | null;
  errors: Array<{ email: string; error: string }>;
  summary: string | null;
}

export interface SendRateBucket {
  /** ISO minute, e.g. 2026-01-31T12:05 */
  start: string;
  count: number;
}

export interface LinkClicks {
  link_index: number;
  url: string;
  clicks: number;
  unique_recipients: number;
  bot_clicks: number;
}

export interface CampaignInsights {
  campaign: Campaign;
  status: CampaignStatusView;
  send_rate: SendRateBucket[];
  links: LinkClicks[];
}

export async function campaignInsights(db: Db, campaignId: number): Promise<CampaignInsights> {
  const campaign = await getCampaign(db, campaignId);
  const [status, sendRate, links] = await Promise.all([
    campaignStatus(db, campaignId) as Promise<CampaignStatusView>,
    sendRatePerMinute(db, campaignId),
    linkClicks(db, campaignId),
  ]);
  return { campaign, status, send_rate: sendRate, links };
}

async function sendRatePerMinute(db: Db, campaignId: number): Promise<SendRateBucket[]> {
  const rows = await db.all<{ minute: string; n: number }>(sql`
    SELECT substr(sent_at, 1, 16) AS minute, count(*) AS n FROM campaign_recipients
    WHERE campaign_id = ${campaignId} AND sent_at IS NOT NULL
    GROUP BY minute ORDER BY minute DESC LIMIT ${SEND_RATE_MAX_MINUTES}`);
  if (rows.length === 0) return [];
  const counts = new Map(rows.map((r) => [r.minute, Number(r.n)]));
  // Every minute between the first and last shown gets a bar, so idle minutes read as gaps.
  const last = Date.parse(`${rows[0]!.minute}:00Z`);
  const first = Math.max(Date.parse(`${rows[rows.length - 1]!.minute}:00Z`), last - (SEND_RATE_MAX_MINUTES - 1) * 60_000);
  const buckets: SendRateBucket[] = [];
  for (let t = first; t <= last; t += 60_000) {
    const minute = new Date(t).toISOString().slice(0, 16);
    buckets.push({ start: minute, count: counts.get(minute) ?? 0 });
  }
  return buckets;
}

async function linkClicks(db: Db, campaignId: number): Promise<LinkClicks[]> {
  const rows = await db.all<LinkClicks>(sql`
    SELECT l.link_index, l.url,
      count(CASE WHEN e.is_bot = 0 THEN e.id END) AS clicks,
      count(DISTINCT CASE WHEN e.is_bot = 0 THEN e.recipient_id END) AS unique_recipients,
      count(CASE WHEN e.is_bot = 1 THEN e.id END) AS bot_clicks
    FROM campaign_links l
    LEFT JOIN campaign_events e ON e.campaign_id = l.campaign_id AND e.link_index = l.link_index AND e.kind = 'click'
    WHERE l.campaign_id = ${campaignId}
    GROUP BY l.link_index, l.url ORDER BY l.link_index`);
  return rows.map((r) => ({
    ...r,
    clicks: Number(r.clicks),
    unique_recipients: Number(r.unique_recipients),
    bot_clicks: Number(r.bot_clicks),
  }));
}
