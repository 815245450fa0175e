/**
 * Contacts ("consent-lite"): directed links A → B meaning "A may write to B", decided by B.
 * States: pending → approved | blocked. An approval is never downgraded by a new request; a denial
 * (blocked) is sticky until the target changes it; an expired approval authorises nothing.
 */
import { and, eq, sql } from "drizzle-orm";
import { agents, contacts, projects, type ContactRow, type Db } from "../db";
import { AppError } from "../shared/errors";
import { nowIso } from "../shared/time";
import { type ActingAgent, loadAgent } from "./agents";
import { sendSystemMessage, type InboxNotifier } from "./delivery";

export const CONTACT_POLICIES = ["open", "auto", "contacts_only", "block_all"] as const;
export type ContactPolicy = (typeof CONTACT_POLICIES)[number];

/** A request waits this long for an answer before it lapses (7 days, the original's default). */
export const REQUEST_TTL_SECONDS = 7 * 24 * 3600;
/** An approval lasts this long unless the target passes another ttl (30 days). */
export const APPROVAL_TTL_SECONDS = 30 * 24 * 3600;
/** Intro messages carry this topic so they can be filtered, and so they never count as an exchange. */
export const CONTACT_REQUEST_TOPIC = "contact-request";

/** Unknown values normalise to `auto` (the original's behaviour), never an error. */
export function normalizePolicy(value: string): ContactPolicy {
  const v = value.trim().toLowerCase();
  return (CONTACT_POLICIES as readonly string[]).includes(v) ? (v as ContactPolicy) : "auto";
}

export async function setContactPolicy(db: Db, acting: ActingAgent, policy: string): Promise<{ agent: string; policy: ContactPolicy }> {
  const normalized = normalizePolicy(policy);
  await db.update(agents).set({ contactPolicy: normalized }).where(eq(agents.id, acting.agent.id));
  return { agent: acting.agent.name, policy: normalized };
}

function isActive(expiresTs: string | null, now: string): boolean {
  return expiresTs === null || expiresTs > now;
}

function plusSeconds(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

async function loadLink(db: Db, fromId: number, toId: number): Promise<ContactRow | undefined> {
  return db.query.contacts.findFirst({ where: and(eq(contacts.fromAgentId, fromId), eq(contacts.toAgentId, toId)) });
}

export interface RequestContactInput {
  toAgent: string;
  toProject?: string | undefined;
  reason?: string | undefined;
  ttlSeconds?: number | undefined;
}

export interface ContactRequestResult {
  from: string;
  from_project: string;
  to: string;
  to_project: string;
  status: "pending" | "approved" | "blocked";
  expires_ts: string | null;
  notified: boolean;
}

/**
 * request_contact: creates or refreshes the link from the acting agent to the target and sends the
 * target an ack_required intro (once per live request). Approved links stay approved (ttl extended),
 * blocked links stay blocked and are not re-announced.
 */
export async function requestContact(
  db: Db,
  acting: ActingAgent,
  input: RequestContactInput,
  notifier?: InboxNotifier,
): Promise<ContactRequestResult> {
  const target = await loadAgent(db, input.toProject ?? acting.project.slug, input.toAgent);
  if (target.row.id === acting.agent.id) {
    throw new AppError("INVALID_ARGUMENT", "An agent cannot request contact with itself; name another agent in to_agent.");
  }
  const now = nowIso();
  const ttl = input.ttlSeconds ?? REQUEST_TTL_SECONDS;
  const reason = input.reason ?? "";
  const existing = await loadLink(db, acting.agent.id, target.row.id);
  const base = { from: acting.agent.name, from_project: acting.project.slug, to: target.row.name, to_project: target.project.slug };
  if (existing?.status === "blocked") return { ...base, status: "blocked", expires_ts: existing.expiresTs, notified: false };
  if (existing?.status === "approved" && isActive(existing.expiresTs, now)) {
    const expires = existing.expiresTs === null ? null : maxIso(existing.expiresTs, plusSeconds(ttl));
    await db.update(contacts).set({ expiresTs: expires, updatedTs: now }).where(eq(contacts.id, existing.id));
    return { ...base, status: "approved", expires_ts: expires, notified: false };
  }
  const expires = plusSeconds(ttl);
  const livePending = existing?.status === "pending" && isActive(existing.expiresTs, now);
  if (existing) {
    await db
      .update(contacts)
      .set({ status: "pending", reason: reason || existing.reason, updatedTs: now, expiresTs: maxIso(existing.expiresTs ?? expires, expires) })
      .where(eq(contacts.id, existing.id));
  } else {
    const [inserted] = await db
      .insert(contacts)
      .values({ fromAgentId: acting.agent.id, toAgentId: target.row.id, status: "pending", reason, createdTs: now, updatedTs: now, expiresTs: expires })
      .onConflictDoNothing()
      .returning({ id: contacts.id });
    // A concurrent request created the link first; it also sent the intro.
    if (!inserted) return { ...base, status: "pending", expires_ts: expires, notified: false };
  }
  if (livePending) return { ...base, status: "pending", expires_ts: expires, notified: false };
  await sendIntro(db, acting, target.row.id, target.project.id, target.row.name, target.project.slug, reason, notifier);
  return { ...base, status: "pending", expires_ts: expires, notified: true };
}

async function sendIntro(
  db: Db,
  acting: ActingAgent,
  targetId: number,
  targetProjectId: number,
  targetName: string,
  targetProject: string,
  reason: string,
  notifier?: InboxNotifier,
): Promise<void> {
  const from = acting.project.id === targetProjectId ? acting.agent.name : `${acting.agent.name}@${acting.project.slug}`;
  const fromProjectArg = acting.project.id === targetProjectId ? "" : `, from_project="${acting.project.slug}"`;
  await sendSystemMessage(
    db,
    {
      projectId: targetProjectId,
      fromAgentId: acting.agent.id,
      toAgentIds: [targetId],
      subject: `Contact request from ${from}`,
      bodyMd:
        `${from} asks to be allowed to message you.${reason ? `\n\nReason: ${reason}` : ""}\n\n` +
        `Answer with respond_contact(project_key="${targetProject}", to_agent="${targetName}", from_agent="${acting.agent.name}"` +
        `${fromProjectArg}, accept=true) or accept=false to refuse.`,
      ackRequired: true,
      topic: CONTACT_REQUEST_TOPIC,
    },
    notifier,
  );
}

function maxIso(a: string, b: string): string {
  return a > b ? a : b;
}

export interface RespondContactInput {
  fromAgent: string;
  fromProject?: string | undefined;
  accept: boolean;
  ttlSeconds?: number | undefined;
}

/**
 * respond_contact, called by the target: accept → approved until now + ttl; refuse → blocked (sticky, no
 * expiry). Works without a prior request (creates the link), as in the original.
 */
export async function respondContact(
  db: Db,
  acting: ActingAgent,
  input: RespondContactInput,
): Promise<{ from: string; from_project: string; to: string; approved: boolean; status: string; expires_ts: string | null }> {
  const requester = await loadAgent(db, input.fromProject ?? acting.project.slug, input.fromAgent);
  if (requester.row.id === acting.agent.id) {
    throw new AppError("INVALID_ARGUMENT", "An agent cannot answer a contact request from itself; name the requester in from_agent.");
  }
  const now = nowIso();
  const status = input.accept ? "approved" : "blocked";
  const expires = input.accept ? plusSeconds(input.ttlSeconds ?? APPROVAL_TTL_SECONDS) : null;
  await db
    .insert(contacts)
    .values({ fromAgentId: requester.row.id, toAgentId: acting.agent.id, status, createdTs: now, updatedTs: now, expiresTs: expires })
    .onConflictDoUpdate({ target: [contacts.fromAgentId, contacts.toAgentId], set: { status, updatedTs: now, expiresTs: expires } });
  return { from: requester.row.name, from_project: requester.project.slug, to: acting.agent.name, approved: input.accept, status, expires_ts: expires };
}

export interface ContactView {
  to: string;
  to_project: string;
  status: string;
  allows_messaging: boolean;
  is_expired: boolean;
  reason: string;
  updated_ts: string;
  expires_ts: string | null;
}

/** list_contacts: the acting agent's outbound links (newest first) and the requests waiting on it. */
export async function listContacts(
  db: Db,
  acting: ActingAgent,
): Promise<{ contacts: ContactView[]; incoming: Array<{ from: string; from_project: string; status: string; reason: string; expires_ts: string | null; is_expired: boolean }> }> {
  const now = nowIso();
  const outbound = await db
    .select({ link: contacts, name: agents.name, slug: projects.slug })
    .from(contacts)
    .innerJoin(agents, eq(agents.id, contacts.toAgentId))
    .innerJoin(projects, eq(projects.id, agents.projectId))
    .where(eq(contacts.fromAgentId, acting.agent.id))
    .orderBy(sql`${contacts.updatedTs} DESC`)
    .limit(500);
  const inbound = await db
    .select({ link: contacts, name: agents.name, slug: projects.slug })
    .from(contacts)
    .innerJoin(agents, eq(agents.id, contacts.fromAgentId))
    .innerJoin(projects, eq(projects.id, agents.projectId))
    .where(eq(contacts.toAgentId, acting.agent.id))
    .orderBy(sql`${contacts.updatedTs} DESC`)
    .limit(500);
  return {
    contacts: outbound.map(({ link, name, slug }) => {
      const expired = !isActive(link.expiresTs, now);
      return {
        to: name,
        to_project: slug,
        status: link.status,
        allows_messaging: link.status === "approved" && !expired,
        is_expired: expired,
        reason: link.reason,
        updated_ts: link.updatedTs,
        expires_ts: link.expiresTs,
      };
    }),
    incoming: inbound.map(({ link, name, slug }) => ({
      from: name,
      from_project: slug,
      status: link.status,
      reason: link.reason,
      expires_ts: link.expiresTs,
      is_expired: !isActive(link.expiresTs, now),
    })),
  };
}
