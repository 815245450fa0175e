/**
 * send_message in one D1 round trip, for the common case: plain recipient names in the sender's own project, no
 * broadcast, nothing to store as an attachment. A D1 call is the dominant cost of a send, and the full path makes
 * three (sender, recipients with their contact facts, the write).
 *
 * One batch (one transaction) checks the sender's token and every recipient against the contact rules that SQL can
 * decide, and writes the message only if all pass. When the guard fails — an unknown or retired name, a wrong
 * token, a recipient that needs approval or the claims signal — nothing is written and the full path runs, which
 * decides again and answers with its precise error (or sends, e.g. when overlapping claims admit the recipient).
 * So this path only ever sends what the full path would send.
 */
import type { Db } from "../db";
import { groupCommit } from "../db/group-commit";
import { actingAgentCte, actingAgentParams, type AgentCredentials } from "./acting-sql";
import { refreshActivity, requireActingAgent, type ActingAgent } from "./agents";
import { parseAddress, toResolvedRecipient, type AgentHit } from "./addresses";
import { contactFlagColumns } from "./contact-policy";
import { strongestKinds } from "./delivery";
import { nameKeyOf } from "./names";
import {
  announce,
  cleanSubject,
  deliveryContent,
  sendMessage,
  validateThreadId,
  validateTopic,
  type SendDeps,
  type SendInput,
  type SendResult,
} from "./send";

/** send_message for a caller named by credentials: one round trip when it can, else the full path. */
export async function sendMessageAs(db: Db, credentials: AgentCredentials, input: SendInput, deps: SendDeps = {}): Promise<SendResult> {
  const sent = await sendInOneTrip(db, credentials, input, deps);
  if (sent) return sent;
  const acting = await requireActingAgent(db, credentials.projectKey, credentials.agentName, credentials.token);
  return sendMessage(db, acting, input, deps);
}

/** The message row as inserted, with its sender's and project's facts. */
interface InsertedMessage {
  id: number;
  sender_id: number;
  sender_name: string;
  sender_last_active_ts: string;
  project_id: number;
  slug: string;
  human_key: string;
  project_created_at: string;
}

async function sendInOneTrip(db: Db, credentials: AgentCredentials, input: SendInput, deps: SendDeps): Promise<SendResult | undefined> {
  if (input.broadcast || deps.attachments?.required(input.bodyMd)) return undefined;
  const credentialParams = await actingAgentParams(credentials);
  if (!credentialParams) return undefined;
  let threadId: string | null;
  let topic: string | null;
  try {
    threadId = validateThreadId(input.threadId);
    topic = validateTopic(input.topic);
  } catch {
    return undefined;
  }
  const addressed = [
    ...input.to.map((a) => parseAddress(a, "to")),
    ...(input.cc ?? []).map((a) => parseAddress(a, "cc")),
    ...(input.bcc ?? []).map((a) => parseAddress(a, "bcc")),
  ].filter((a) => a.raw !== "");
  if (addressed.length === 0 || addressed.some((a) => a.project !== null)) return undefined;

  // One recipient row per agent, the strongest kind winning (as storeMessages records them).
  const strongest = strongestKinds(addressed, (a) => nameKeyOf(a.name));
  const { subject, warnings } = cleanSubject(input.subject);
  const content = deliveryContent({ ...input, threadId, topic }, subject, { bodyMd: input.bodyMd, attachments: [] });
  const statements = oneTripStatements(threadId);
  const shared = [...credentialParams, JSON.stringify([...strongest]), strongest.size];
  const d1 = db.$client;
  // Concurrent sends of this isolate share a batch (group commit): each member's statements still run in order.
  const [inserted, stored] = await groupCommit(d1, [
    d1.prepare(statements.insertMessage).bind(
      ...shared,
      ...statements.flagParams,
      content.subject,
      content.bodyMd,
      content.importance,
      content.ackRequired ? 1 : 0,
      JSON.stringify(content.attachments),
      content.createdTs,
      content.threadId,
      content.topic,
    ),
    d1.prepare(statements.insertRecipients).bind(...shared, ...statements.flagParams, content.createdTs),
  ]);
  const message = (inserted!.results as unknown as InsertedMessage[])[0];
  if (!message) return undefined;

  const rows = stored!.results as unknown as AgentHit[];
  const sender: ActingAgent = {
    project: { id: message.project_id, slug: message.slug, human_key: message.human_key, created_at: message.project_created_at },
    agent: { id: message.sender_id, name: message.sender_name },
  };
  const byKey = new Map(rows.map((row) => [row.name_key, row]));
  const recipients = addressed.map((a) => toResolvedRecipient(byKey.get(nameKeyOf(a.name))!, a.kind));
  await refreshActivity(db, message.sender_id, message.sender_last_active_ts);
  return announce(sender, [{ projectId: message.project_id, recipients, id: message.id }], content, warnings, deps);
}

/** The acting agent, found by its token digest: the sender of every statement below. */
const SENDER = actingAgentCte(1);

/**
 * The batch's SQL. Parameters ?1-?6 are shared: project slug, project human key, sender name key, token digest,
 * the recipients as JSON [[name_key, kind], …] and their count; the contact rule columns follow from ?7.
 */
function oneTripStatements(threadId: string | null) {
  const flags = contactFlagColumns({ id: "s.id", projectId: "s.project_id" }, threadId, 7);
  const next = 7 + flags.params.length;
  const placeholders = (count: number) => Array.from({ length: count }, (_, i) => `?${next + i}`);
  // The sender (by token) and the addressed agents of its project.
  const recipients = `
    WITH ${SENDER},
    w(name_key, kind) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?5)),
    c AS (
      SELECT a.id, a.name, a.name_key, a.contact_policy, a.retired_at, a.last_active_ts, w.kind
      FROM w JOIN s JOIN agents a ON a.project_id = s.project_id AND a.name_key = w.name_key
    )`;
  // Whether every addressed agent may be written to by the rules SQL can decide (evaluateContacts without the
  // claims signal). Writing this message cannot turn any of it false: the rules only look for earlier mail, contacts
  // and retirements.
  const scope = `${recipients},
    f AS (SELECT c.*, lower(trim(c.contact_policy)) AS policy, ${flags.sql} FROM c JOIN s),
    ok AS (
      SELECT count(*) = ?6 AS pass FROM f JOIN s
      WHERE f.retired_at IS NULL AND (f.id = s.id OR (f.policy <> 'block_all' AND NOT f.denied AND (
        f.policy = 'open' OR f.in_thread OR f.link_out OR (f.policy <> 'contacts_only' AND (f.link_in OR f.exchanged))
      )))
    )`;
  const [subject, body, importance, ack, attachments, createdTs, thread, topic] = placeholders(8);
  return {
    flagParams: flags.params,
    // The new row, with the facts the answer needs (RETURNING reads only the inserted row, plus subqueries).
    insertMessage: `${scope}
      INSERT INTO messages (project_id, sender_id, thread_id, topic, subject, body_md, importance, ack_required, attachments, created_ts)
      SELECT s.project_id, s.id, ${thread}, ${topic}, ${subject}, ${body}, ${importance}, ${ack}, ${attachments}, ${createdTs}
      FROM s JOIN ok WHERE ok.pass
      RETURNING id, sender_id, project_id,
        (SELECT name FROM agents WHERE id = sender_id) AS sender_name,
        (SELECT last_active_ts FROM agents WHERE id = sender_id) AS sender_last_active_ts,
        (SELECT slug FROM projects WHERE id = project_id) AS slug,
        (SELECT human_key FROM projects WHERE id = project_id) AS human_key,
        (SELECT created_at FROM projects WHERE id = project_id) AS project_created_at`,
    // Under the same guard as the message row, decided again rather than read from connection state such as
    // changes(). A batch is one transaction on a single-writer database, so the newest message id is the row just
    // inserted. Each recipient comes back with what delivery needs to know of it.
    insertRecipients: `${scope}
      INSERT INTO message_recipients (message_id, agent_id, kind, created_ts)
      SELECT (SELECT max(id) FROM messages), c.id, c.kind, ${placeholders(1)[0]} FROM c JOIN ok WHERE ok.pass
      RETURNING agent_id AS id,
        (SELECT name FROM agents WHERE id = agent_id) AS name,
        (SELECT name_key FROM agents WHERE id = agent_id) AS name_key,
        (SELECT contact_policy FROM agents WHERE id = agent_id) AS contact_policy,
        (SELECT retired_at FROM agents WHERE id = agent_id) AS retired_at,
        (SELECT last_active_ts FROM agents WHERE id = agent_id) AS last_active_ts,
        (SELECT project_id FROM agents WHERE id = agent_id) AS project_id,
        (SELECT p.slug FROM agents a JOIN projects p ON p.id = a.project_id WHERE a.id = agent_id) AS slug,
        (SELECT p.human_key FROM agents a JOIN projects p ON p.id = a.project_id WHERE a.id = agent_id) AS human_key,
        EXISTS (SELECT 1 FROM mail_listeners l WHERE l.agent_id = message_recipients.agent_id) AS listening`,
  };
}
