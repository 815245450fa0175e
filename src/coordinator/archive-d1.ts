/**
 * Reads archived facts back from D1 (messages with their recipients and sender, agent profiles), so that the mail
 * context can archive with only an id after its own write, and repair can re-derive whatever the archive misses.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { agents, messageRecipients, messages, projects, type Db } from "../db";
import type { ArchiveMessage } from "./archive/documents";
import { archiveAgentProfile, archiveMessage, repairArchive, type RepairReport } from "./archive-service";
import type { ArchiveOutcome } from "./coordinator-impl";

export interface ArchiveProject {
  id: number;
  slug: string;
  human_key: string;
}

/** Messages of a project with id > afterId, oldest first, shaped for the archive. */
export async function loadArchiveMessages(db: Db, project: ArchiveProject, afterId: number, limit: number): Promise<ArchiveMessage[]> {
  const rows = await db
    .select({ message: messages, sender: agents.name, senderProjectId: agents.projectId, senderProject: projects.slug })
    .from(messages)
    .innerJoin(agents, eq(messages.senderId, agents.id))
    .innerJoin(projects, eq(agents.projectId, projects.id))
    .where(and(eq(messages.projectId, project.id), gt(messages.id, afterId)))
    .orderBy(asc(messages.id))
    .limit(limit);
  if (rows.length === 0) return [];
  const recipients = await db
    .select({ messageId: messageRecipients.messageId, kind: messageRecipients.kind, name: agents.name })
    .from(messageRecipients)
    .innerJoin(agents, eq(messageRecipients.agentId, agents.id))
    // The ids as one JSON parameter: a page may hold more ids than D1 binds parameters in one statement (100).
    .where(sql`${messageRecipients.messageId} IN (SELECT value FROM json_each(${JSON.stringify(rows.map((r) => r.message.id))}))`);
  const byMessage = new Map<number, typeof recipients>();
  for (const r of recipients) {
    const list = byMessage.get(r.messageId);
    if (list) list.push(r);
    else byMessage.set(r.messageId, [r]);
  }
  return rows.map(({ message, sender, senderProjectId, senderProject }) => {
    const mine = byMessage.get(message.id) ?? [];
    const of = (kind: string) => mine.filter((r) => r.kind === kind).map((r) => r.name);
    return {
      id: message.id,
      project: { slug: project.slug, human_key: project.human_key },
      // Named as the project sees it (send.ts does the same): a sender from another project is Name@slug.
      from: senderProjectId === project.id ? sender : `${sender}@${senderProject}`,
      to: of("to"),
      cc: of("cc"),
      bcc: of("bcc"),
      subject: message.subject,
      body_md: message.bodyMd,
      importance: message.importance,
      ack_required: message.ackRequired,
      thread_id: message.threadId,
      topic: message.topic,
      created_ts: message.createdTs,
      attachments: parseAttachments(message.attachments),
    };
  });
}

function parseAttachments(json: string): unknown[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

/**
 * Archives one stored message by id (for `ctx.waitUntil(archiveStoredMessage(env, db, project, id))` right after
 * the D1 write). Never throws; a miss is caught up by repair.
 */
export async function archiveStoredMessage(env: Env, db: Db, project: ArchiveProject, messageId: number): Promise<ArchiveOutcome | undefined> {
  try {
    const [message] = await loadArchiveMessages(db, project, messageId - 1, 1);
    if (!message || message.id !== messageId) return undefined;
    return await archiveMessage(env, message);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", event: "archive_load_failed", messageId, error: String(err) }));
    return undefined;
  }
}

/** Archives an agent's current profile by id (on register / profile update). Never throws. */
export async function archiveStoredAgent(env: Env, db: Db, project: ArchiveProject, agentId: number): Promise<ArchiveOutcome | undefined> {
  try {
    const row = await db.query.agents.findFirst({ where: eq(agents.id, agentId) });
    if (!row) return undefined;
    return await archiveAgentProfile(env, project, {
      name: row.name,
      program: row.program,
      model: row.model,
      task_description: row.taskDescription,
      inception_ts: row.inceptionTs,
      last_active_ts: row.lastActiveTs,
    });
  } catch (err) {
    console.error(JSON.stringify({ level: "error", event: "archive_load_failed", agentId, error: String(err) }));
    return undefined;
  }
}

/** Re-derives every message the project's archive lacks from D1. */
export function repairProjectArchive(env: Env, db: Db, project: ArchiveProject): Promise<RepairReport> {
  return repairArchive(env, project, (afterId, limit) => loadArchiveMessages(db, project, afterId, limit));
}

/** An agent's last mail activity (D1), one input to the force-release inactivity rule. */
export async function agentLastActive(db: Db, agentId: number): Promise<string | undefined> {
  const row = await db.query.agents.findFirst({ where: eq(agents.id, agentId), columns: { lastActiveTs: true } });
  return row?.lastActiveTs;
}

/** repair_archive: repair plus how to clone the result. */
export async function repairProjectArchiveByKey(
  env: Env,
  db: Db,
  resolve: (projectKey: string) => Promise<ArchiveProject>,
  projectKey: string,
): Promise<RepairReport & { project: string; clone_url: string; clone_command: string }> {
  const project = await resolve(projectKey);
  const report = await repairProjectArchive(env, db, project);
  const cloneUrl = `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/archive/${project.slug}.git`;
  return {
    project: project.slug,
    ...report,
    clone_url: cloneUrl,
    clone_command: `git -c http.extraHeader="Authorization: Bearer $PIGEONHOLE_TOKEN" clone ${cloneUrl}`,
  };
}
