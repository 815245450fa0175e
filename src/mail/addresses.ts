/**
 * Recipient addresses: `Name` (the sender's project), `project:<slug>#Name` or `Name@<slug>` (another
 * project). Resolution is all-or-nothing: every unknown address is reported at once, and names that are
 * mistakes rather than agents (broadcast words, programs, emails) get their own error codes.
 */
import type { Db } from "../db";
import { AppError } from "../shared/errors";
import { contactFlagColumns, type ContactFlags } from "./contact-policy";
import { nameKeyOf, nameMistake } from "./names";
import { slugify, type Project } from "./projects";
import type { RecipientKind } from "./delivery";

export interface ResolvedRecipient {
  id: number;
  name: string;
  projectId: number;
  projectSlug: string;
  projectHumanKey: string;
  policy: string;
  retiredAt: string | null;
  lastActiveTs: string;
  kind: RecipientKind;
  /** Has an open new-mail stream (mail_listeners): only then is a push notice worth sending. */
  listening: boolean;
}

interface ParsedAddress {
  raw: string;
  kind: RecipientKind;
  name: string;
  /** slug of the addressed project, or null for the sender's own project. */
  project: string | null;
}

export function parseAddress(raw: string, kind: RecipientKind): ParsedAddress {
  const text = raw.trim();
  const prefixed = /^project:([^#]+)#(.+)$/i.exec(text);
  if (prefixed) return { raw: text, kind, name: prefixed[2]!.trim(), project: slugify(prefixed[1]!) };
  const at = text.lastIndexOf("@");
  if (at > 0 && at < text.length - 1) return { raw: text, kind, name: text.slice(0, at), project: slugify(text.slice(at + 1)) };
  return { raw: text, kind, name: text, project: null };
}

/** An addressed agent as recipient queries return it (the columns of `agents` and its project). */
export interface AgentHit extends Partial<ContactFlags> {
  listening: number;
  id: number;
  name: string;
  name_key: string;
  contact_policy: string;
  retired_at: string | null;
  last_active_ts: string;
  project_id: number;
  slug: string;
  human_key: string;
}

export function toResolvedRecipient(hit: AgentHit, kind: RecipientKind): ResolvedRecipient {
  return {
    id: hit.id,
    name: hit.name,
    projectId: hit.project_id,
    projectSlug: hit.slug,
    projectHumanKey: hit.human_key,
    policy: hit.contact_policy,
    retiredAt: hit.retired_at,
    lastActiveTs: hit.last_active_ts,
    kind,
    listening: Boolean(hit.listening),
  };
}

/**
 * Resolves every address or throws: BROADCAST_ATTEMPT / PROGRAM_NAME_AS_AGENT / EMAIL_AS_AGENT when an
 * unknown address is one of those mistakes, else RECIPIENT_NOT_FOUND listing all unknown addresses.
 */
export async function resolveRecipients(
  db: Db,
  home: Project,
  lists: { to: readonly string[]; cc: readonly string[]; bcc: readonly string[] },
  /** Also load the contact-policy flags for this sender in the same query (see contact-policy.ts). */
  flagsFor?: { sender: { id: number; projectId: number }; threadId: string | null },
): Promise<{ recipients: ResolvedRecipient[]; flags: Map<number, ContactFlags> }> {
  const parsed = [
    ...lists.to.map((a) => parseAddress(a, "to")),
    ...lists.cc.map((a) => parseAddress(a, "cc")),
    ...lists.bcc.map((a) => parseAddress(a, "bcc")),
  ].filter((a) => a.raw !== "");
  if (parsed.length === 0) return { recipients: [], flags: new Map() };
  const wanted = parsed.map((a) => ({ slug: a.project ?? home.slug, key: nameKeyOf(a.name) }));
  const flagColumns = flagsFor ? contactFlagColumns({ id: "?2", projectId: "?3" }, flagsFor.threadId, 4) : undefined;
  const { results: hits } = await db.$client
    .prepare(
      `WITH w(slug, name_key) AS (
         SELECT json_extract(value, '$.slug'), json_extract(value, '$.key') FROM json_each(?1)
       ),
       c AS (
         SELECT DISTINCT a.id, a.name, a.name_key, a.contact_policy, a.retired_at, a.last_active_ts, a.project_id, p.slug, p.human_key
         FROM w JOIN projects p ON p.slug = w.slug JOIN agents a ON a.project_id = p.id AND a.name_key = w.name_key
       )
       SELECT c.*, EXISTS (SELECT 1 FROM mail_listeners l WHERE l.agent_id = c.id) AS listening ${flagColumns ? `, ${flagColumns.sql}` : ""} FROM c`,
    )
    .bind(JSON.stringify(wanted), ...(flagsFor ? [flagsFor.sender.id, flagsFor.sender.projectId, ...flagColumns!.params] : []))
    .all<AgentHit>();
  const byAddress = new Map(hits.map((h) => [`${h.slug}\u0000${h.name_key}`, h]));
  const unknown: ParsedAddress[] = [];
  const resolved: ResolvedRecipient[] = [];
  parsed.forEach((address, i) => {
    const hit = byAddress.get(`${wanted[i]!.slug}\u0000${wanted[i]!.key}`);
    if (!hit) {
      unknown.push(address);
      return;
    }
    resolved.push(toResolvedRecipient(hit, address.kind));
  });
  if (unknown.length > 0) throw unknownRecipientsError(unknown, home);
  const flags = new Map<number, ContactFlags>();
  if (flagsFor) {
    for (const h of hits) {
      flags.set(h.id, { id: h.id, link_out: h.link_out ?? 0, link_in: h.link_in ?? 0, denied: h.denied ?? 0, exchanged: h.exchanged ?? 0, in_thread: h.in_thread ?? 0 });
    }
  }
  return { recipients: resolved, flags };
}

function unknownRecipientsError(unknown: readonly ParsedAddress[], home: Project): AppError {
  const names = [...new Set(unknown.map((a) => a.raw.slice(0, 200)))].slice(0, 50);
  const mistakes = unknown.map((a) => nameMistake(a.project === null ? a.name : a.raw));
  const broadcastWord = unknown.find((_, i) => mistakes[i] === "broadcast");
  if (broadcastWord) {
    return new AppError(
      "BROADCAST_ATTEMPT",
      `"${broadcastWord.raw.slice(0, 64)}" is not an agent. To write to every agent, pass broadcast: true with an empty to list.`,
      { unknown: names },
    );
  }
  if (mistakes.includes("email")) {
    return new AppError(
      "EMAIL_AS_AGENT",
      "Recipients are agent names, not email addresses; use the agent's name (see list_agents or resource://agents/{project}).",
      { unknown: names },
    );
  }
  if (mistakes.includes("program")) {
    return new AppError(
      "PROGRAM_NAME_AS_AGENT",
      "A program or model name (claude-code, codex, gpt-5…) is not an agent; address the agent by its registered name (see list_agents).",
      { unknown: names },
    );
  }
  return new AppError(
    "RECIPIENT_NOT_FOUND",
    `Unknown recipient(s): ${names.join(", ")}. Nothing was sent. Check the names with list_agents for project ${home.slug} ` +
      "(or address another project as Name@<slug>), or ask them to register_agent first.",
    { unknown: names },
  );
}
