/**
 * Ties a synced message to the send it is about, best key first (deliverability.md §4.4): the signed
 * message token (ENVID or X-Pigeonhole-Msg, HMAC-verified so a forged report cannot touch another
 * recipient), our Message-ID in the returned headers or In-Reply-To/References, then the reported
 * address among this mailbox's recent sends. Only sends of this mailbox ever match.
 */
import { and, desc, eq, gte, inArray, isNotNull, sql } from "drizzle-orm";
import { campaignRecipients, campaigns, type Db } from "../db";
import type { TokenCodec } from "../shared/tokens";
import type { SyncEvent } from "../sidecar/protocol";
import { RECIPIENT_MATCH_DAYS } from "./constants";

export interface MatchTarget {
  campaignId: number;
  recipientId: number;
  email: string;
  tenant: string;
}

const targetColumns = {
  campaignId: campaignRecipients.campaignId,
  recipientId: campaignRecipients.id,
  email: campaignRecipients.email,
  tenant: campaigns.tenant,
};

async function byRecipientId(db: Db, mailboxId: number, campaignId: number, recipientId: number): Promise<MatchTarget | undefined> {
  const [row] = await db
    .select(targetColumns)
    .from(campaignRecipients)
    .innerJoin(campaigns, eq(campaigns.id, campaignRecipients.campaignId))
    .where(and(eq(campaignRecipients.id, recipientId), eq(campaigns.id, campaignId), eq(campaigns.mailboxId, mailboxId)))
    .limit(1);
  return row;
}

/** The send named by the message's own keys (token/ENVID, then Message-ID), if any. */
export async function keyedTarget(db: Db, codec: TokenCodec, mailboxId: number, event: SyncEvent): Promise<MatchTarget | undefined> {
  for (const token of [...event.keys.envids, ...event.keys.tokens]) {
    const claims = await codec.verify(token, "message");
    if (!claims) continue;
    const target = await byRecipientId(db, mailboxId, claims.campaignId, claims.recipientId);
    if (target) return target;
  }
  const ids = event.keys.message_ids.slice(0, 50).map((id) => `<${id}>`);
  if (ids.length === 0) return undefined;
  const [row] = await db
    .select(targetColumns)
    .from(campaignRecipients)
    .innerJoin(campaigns, eq(campaigns.id, campaignRecipients.campaignId))
    .where(and(inArray(campaignRecipients.messageId, ids), eq(campaigns.mailboxId, mailboxId)))
    .limit(1);
  return row;
}

/** The most recent send to `email` from this mailbox (optionally within one campaign). */
export async function byAddress(db: Db, mailboxId: number, email: string, now: Date, campaignId?: number): Promise<MatchTarget | undefined> {
  const since = new Date(now.getTime() - RECIPIENT_MATCH_DAYS * 86_400_000).toISOString();
  const [row] = await db
    .select(targetColumns)
    .from(campaignRecipients)
    .innerJoin(campaigns, eq(campaigns.id, campaignRecipients.campaignId))
    .where(
      and(
        // Stored addresses keep the local part's case; reports often lowercase it.
        eq(sql`lower(${campaignRecipients.email})`, email),
        eq(campaigns.mailboxId, mailboxId),
        isNotNull(campaignRecipients.sentAt),
        gte(campaignRecipients.sentAt, since),
        ...(campaignId === undefined ? [] : [eq(campaigns.id, campaignId)]),
      ),
    )
    .orderBy(desc(campaignRecipients.sentAt))
    .limit(1);
  return row;
}

/**
 * Target per reported recipient. A report about one recipient that carries our key belongs to that
 * send even if the address was rewritten on the way (forwarding, aliases); with several recipients
 * each address is matched within the keyed campaign first, then among recent sends.
 */
export async function matchRecipients(
  db: Db,
  mailboxId: number,
  keyed: MatchTarget | undefined,
  emails: string[],
  now: Date,
): Promise<Map<string, MatchTarget | undefined>> {
  const out = new Map<string, MatchTarget | undefined>();
  for (const email of emails) {
    if (keyed && (keyed.email.toLowerCase() === email || emails.length === 1)) {
      out.set(email, keyed);
      continue;
    }
    const inCampaign = keyed ? await byAddress(db, mailboxId, email, now, keyed.campaignId) : undefined;
    out.set(email, inCampaign ?? (await byAddress(db, mailboxId, email, now)));
  }
  return out;
}
