/**
 * The `tracking-events` queue message: one open or click, produced by the routes and consumed in
 * batches into D1. `id` is minted once at enqueue and becomes the event's UNIQUE dedupe key, so a
 * redelivered message (queues are at-least-once) inserts nothing the second time.
 */
import { z } from "zod";
import type { AgentClass, AgentVerdict } from "./agents";

/** Bumped when the shape changes; the consumer parses every version it may still find queued. */
export const TRACKING_EVENT_VERSION = 1;

export const trackingEventSchema = z.object({
  v: z.literal(TRACKING_EVENT_VERSION),
  id: z.string().min(8).max(64),
  kind: z.enum(["open", "click"]),
  campaignId: z.number().int().nonnegative(),
  recipientId: z.number().int().nonnegative(),
  linkIndex: z.number().int().nonnegative().optional(),
  isBot: z.boolean(),
  agent: z.string().max(32),
  /** When the hit happened (ISO-8601 UTC), not when the consumer got to it. */
  at: z.string().max(40),
});

export type TrackingEvent = z.infer<typeof trackingEventSchema>;

export interface Hit {
  kind: "open" | "click";
  campaignId: number;
  recipientId: number;
  linkIndex?: number;
  verdict: AgentVerdict;
}

export function trackingEvent(hit: Hit, at = new Date()): TrackingEvent {
  const event: TrackingEvent = {
    v: TRACKING_EVENT_VERSION,
    id: crypto.randomUUID(),
    kind: hit.kind,
    campaignId: hit.campaignId,
    recipientId: hit.recipientId,
    isBot: hit.verdict.isBot,
    agent: hit.verdict.agent satisfies AgentClass,
    at: at.toISOString(),
  };
  if (hit.linkIndex !== undefined) event.linkIndex = hit.linkIndex;
  return event;
}

/** The event's UNIQUE key in campaign_events. */
export function dedupeKeyOf(event: TrackingEvent): string {
  return `${event.kind}:${event.id}`;
}
