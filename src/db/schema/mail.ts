/**
 * Agent-mail tables. What is sensitive and how it is stored:
 * - `agents.token_hash`: SHA-256 (hex) of the agent's registration token. The token itself is shown once,
 *   to the call that created the agent, and never stored; the unique index lets an HTTP bearer that *is*
 *   an agent token find its agent in one lookup.
 * - `agents.name_key`: lowercase name, unique per project, so `BlueLake` and `bluelake` are one agent
 *   while the stored `name` keeps the casing it was registered with.
 * - `message_recipients.created_ts` duplicates `messages.created_ts` so the inbox query (recipient,
 *   newest first, optional since_ts) is one index range scan without touching `messages` first.
 * The FTS5 index over subject + body and its triggers are hand-written SQL in their own migration.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { projects } from "./projects";

/** An agent identity inside one project. */
export const agents = sqliteTable(
  "agents",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: integer("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    nameKey: text("name_key").notNull(),
    program: text("program").notNull(),
    model: text("model").notNull(),
    taskDescription: text("task_description").notNull().default(""),
    /** open | auto | contacts_only | block_all */
    contactPolicy: text("contact_policy").notNull().default("auto"),
    tokenHash: text("token_hash").notNull(),
    inceptionTs: text("inception_ts").notNull(),
    lastActiveTs: text("last_active_ts").notNull(),
    retiredAt: text("retired_at"),
  },
  (t) => [
    uniqueIndex("agents_project_name_key").on(t.projectId, t.nameKey),
    uniqueIndex("agents_token_hash").on(t.tokenHash),
  ],
);

/**
 * One row per delivered message per project: a cross-project send writes one row in each target
 * project (like the original), so inbox, thread and search stay project-scoped.
 */
export const messages = sqliteTable(
  "messages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    projectId: integer("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    senderId: integer("sender_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    threadId: text("thread_id"),
    topic: text("topic"),
    subject: text("subject").notNull(),
    bodyMd: text("body_md").notNull(),
    /** low | normal | high | urgent */
    importance: text("importance").notNull().default("normal"),
    ackRequired: integer("ack_required", { mode: "boolean" }).notNull().default(false),
    createdTs: text("created_ts").notNull(),
    /** JSON array of attachment descriptors (filled by the attachments issue). */
    attachments: text("attachments").notNull().default("[]"),
  },
  (t) => [
    index("messages_project_thread").on(t.projectId, t.threadId, t.createdTs),
    index("messages_project_created").on(t.projectId, t.createdTs),
    index("messages_sender_created").on(t.senderId, t.createdTs),
  ],
);

/** Who a message went to, how (to/cc/bcc), and that recipient's read/ack state. */
export const messageRecipients = sqliteTable(
  "message_recipients",
  {
    messageId: integer("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    agentId: integer("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    /** to | cc | bcc */
    kind: text("kind").notNull(),
    createdTs: text("created_ts").notNull(),
    readTs: text("read_ts"),
    ackTs: text("ack_ts"),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.agentId] }),
    index("recipients_inbox").on(t.agentId, sql`${t.createdTs} DESC`, sql`${t.messageId} DESC`),
    // list_agents' unread counts touch only unread rows.
    index("recipients_unread").on(t.agentId).where(sql`${t.readTs} IS NULL`),
  ],
);

/**
 * Directed contact links A → B ("A may write to B"). `status` is pending | approved | blocked;
 * `expires_ts` null means no expiry. Approval is decided by the target; a block is sticky.
 */
export const contacts = sqliteTable(
  "contacts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    fromAgentId: integer("from_agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    toAgentId: integer("to_agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    status: text("status").notNull(),
    reason: text("reason").notNull().default(""),
    createdTs: text("created_ts").notNull(),
    updatedTs: text("updated_ts").notNull(),
    expiresTs: text("expires_ts"),
  },
  (t) => [
    uniqueIndex("contacts_pair").on(t.fromAgentId, t.toAgentId),
    index("contacts_to").on(t.toAgentId),
  ],
);

/**
 * Agents with at least one open new-mail stream (GET /mcp/events), maintained by the MailEvents Durable
 * Object. send_message reads it in its recipient query and pokes the object only for listeners; a stale
 * row costs one needless poke, after which the object deletes it.
 */
export const mailListeners = sqliteTable("mail_listeners", {
  agentId: integer("agent_id")
    .primaryKey()
    .references(() => agents.id, { onDelete: "cascade" }),
  sinceTs: text("since_ts").notNull(),
});

/** Calls and errors per MCP tool since the table was created (resource://tooling/metrics). */
export const toolMetrics = sqliteTable("tool_metrics", {
  tool: text("tool").primaryKey(),
  calls: integer("calls").notNull().default(0),
  errors: integer("errors").notNull().default(0),
  firstCallTs: text("first_call_ts").notNull(),
  lastCallTs: text("last_call_ts").notNull(),
});

export type AgentRow = typeof agents.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type MessageRecipientRow = typeof messageRecipients.$inferSelect;
export type ContactRow = typeof contacts.$inferSelect;
