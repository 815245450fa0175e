/**
 * What the archive stores for each archived write, as files: markdown with a JSON frontmatter block
 * (```---json\n{…}\n---\n\nbody```) for messages, JSON for agent profiles and claims.
 *
 * Layout under the repository root:
 *   messages/YYYY/MM/<id>.md                 canonical copy (no bcc)
 *   agents/<Name>/outbox/YYYY/MM/<id>.md     the sender's copy (the only one listing bcc, when there are any)
 *   agents/<Name>/inbox/YYYY/MM/<id>.md      one per to/cc/bcc recipient (no bcc)
 *   agents/<Name>/profile.json               latest profile
 *   claims/<sha1(path_pattern)>.json         the claims on one pattern after the change
 */
import type { ClaimRecord } from "../types";

/** A message as the mail context hands it to the archive after its D1 write. */
export interface ArchiveMessage {
  id: number;
  project: { slug: string; human_key: string };
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body_md: string;
  importance: string;
  ack_required: boolean;
  thread_id: string | null;
  topic: string | null;
  created_ts: string;
  attachments: unknown[];
}

export interface ArchiveAgentProfile {
  name: string;
  program: string;
  model: string;
  task_description: string;
  inception_ts: string;
  last_active_ts: string;
}

/**
 * A file to write. Claim files are named by the sha1 of their pattern when the commit is built; their content is
 * read then too, from the claims the job names (jobs queued by earlier versions carry it instead).
 */
export type ArchiveFile =
  | { path: string; content: string }
  | { claimPattern: string; content: string }
  | { claimPattern: string; claimIds: number[] };

/** One commit's worth of archive work, stored in the outbox until it is in R2. */
export interface ArchiveJob {
  message: string;
  /** ISO-8601; the commit's author/committer time. */
  time: string;
  files: ArchiveFile[];
}

/** Agent names are `[A-Za-z0-9._-]`; anything else (or a dot-only name) is replaced so paths stay inside the repo. */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, "_");
  return /^\.+$/.test(cleaned) || cleaned === "" ? `_${cleaned}` : cleaned;
}

function monthPath(iso: string): string {
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}`;
}

function markdown(frontmatter: Record<string, unknown>, body: string): string {
  return `---json\n${JSON.stringify(frontmatter, null, 2)}\n---\n\n${body.endsWith("\n") ? body : `${body}\n`}`;
}

/** The canonical, outbox and inbox files of one message, and its commit message (which never names bcc). */
export function messageJob(msg: ArchiveMessage): ArchiveJob {
  const month = monthPath(msg.created_ts);
  const name = `${msg.id}.md`;
  const base = {
    id: msg.id,
    thread_id: msg.thread_id,
    topic: msg.topic,
    project: msg.project.human_key,
    project_slug: msg.project.slug,
    from: msg.from,
    to: msg.to,
    cc: msg.cc,
    subject: msg.subject,
    importance: msg.importance,
    ack_required: msg.ack_required,
    created: msg.created_ts,
    attachments: msg.attachments,
  };
  const publicCopy = markdown(base, msg.body_md);
  const files: ArchiveFile[] = [
    { path: `messages/${month}/${name}`, content: publicCopy },
    // Without bcc the sender's copy is the public one, so all copies share one blob.
    { path: `agents/${safeSegment(msg.from)}/outbox/${month}/${name}`, content: msg.bcc.length > 0 ? markdown({ ...base, bcc: msg.bcc }, msg.body_md) : publicCopy },
  ];
  const recipients = [...new Set([...msg.to, ...msg.cc, ...msg.bcc])];
  for (const recipient of recipients) {
    files.push({ path: `agents/${safeSegment(recipient)}/inbox/${month}/${name}`, content: publicCopy });
  }
  const visible = [...new Set([...msg.to, ...msg.cc])];
  return {
    message: `mail: ${msg.from} -> ${visible.join(", ") || "(undisclosed)"} | ${msg.subject}\n\nmessage-id: ${msg.id}`,
    time: msg.created_ts,
    files,
  };
}

export function profileJob(profile: ArchiveAgentProfile, time: string): ArchiveJob {
  return {
    message: `agent: profile ${profile.name}`,
    time,
    files: [{ path: `agents/${safeSegment(profile.name)}/profile.json`, content: `${JSON.stringify(profile, null, 2)}\n` }],
  };
}

/**
 * One commit for a claims change: a file for every pattern touched, listing that pattern's claims when the commit
 * is built (live ones plus those the change released or expired), so `git log -p claims/` reads as the lease
 * history. Only the claim ids are queued: a burst of claim calls on the same patterns is read once, at commit.
 */
export function claimsJob(action: string, actor: string, changed: ClaimRecord[], time: string): ArchiveJob {
  const byPattern = new Map<string, number[]>();
  for (const claim of changed) byPattern.set(claim.path_pattern, [...(byPattern.get(claim.path_pattern) ?? []), claim.id]);
  const patterns = [...byPattern.keys()];
  const files: ArchiveFile[] = [...byPattern].map(([claimPattern, claimIds]) => ({ claimPattern, claimIds }));
  const more = patterns.length > 1 ? ` (+${patterns.length - 1} more)` : "";
  return { message: `claim: ${action} ${actor} ${patterns[0] ?? ""}${more}`, time, files };
}

/** The content of `claims/<sha1(pattern)>.json`: the pattern's claims, oldest first, without internal agent ids. */
export function claimsFile(pattern: string, claims: ClaimRecord[]): string {
  const listed = [...claims].sort((a, b) => a.id - b.id).map(({ agent_id: _id, ...rest }) => rest);
  return `${JSON.stringify({ path_pattern: pattern, claims: listed }, null, 2)}\n`;
}
