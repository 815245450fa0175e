/**
 * Macros: one call for the sequences every session repeats. They compose the services and add no rules
 * of their own; partial failures that should not void the rest (welcome message) are reported, not thrown.
 */
import type { Db } from "../db";
import { AppError, toWireError, type WireError } from "../shared/errors";
import { registerAgent, requireActingAgent, type ActingAgent, type RegisteredAgent } from "./agents";
import { requestContact, respondContact } from "./contacts";
import { fetchInbox, type InboxItem } from "./inbox";
import { ensureProject, resolveProject, type Project } from "./projects";
import { sendMessage, type SendDeps } from "./send";
import { summarizeThread, type ThreadSummary } from "./summaries";

export interface StartSessionInput {
  humanKey: string;
  program: string;
  model: string;
  taskDescription?: string | undefined;
  agentName?: string | undefined;
  token?: string | undefined;
  inboxLimit?: number | undefined;
}

export interface SessionStart {
  project: Project;
  agent: RegisteredAgent;
  registration_token: string | null;
  inbox: InboxItem[];
}

/** macro_start_session: ensure_project → register_agent (or re-register with token) → fetch_inbox. */
export async function macroStartSession(db: Db, input: StartSessionInput): Promise<SessionStart> {
  const project = await ensureProject(db, input.humanKey);
  const agent = await registerAgent(db, {
    projectKey: project.slug,
    program: input.program,
    model: input.model,
    name: input.agentName,
    taskDescription: input.taskDescription,
    token: input.token,
  });
  const acting: ActingAgent = { project, agent: { id: agent.id, name: agent.name } };
  const inbox = await fetchInbox(db, acting, { limit: input.inboxLimit ?? 10 });
  return { project, agent, registration_token: agent.registration_token, inbox };
}

export interface PrepareThreadInput {
  projectKey: string;
  threadId: string;
  program: string;
  model: string;
  agentName?: string | undefined;
  token?: string | undefined;
  taskDescription?: string | undefined;
  registerIfMissing?: boolean | undefined;
  includeExamples?: boolean | undefined;
  inboxLimit?: number | undefined;
  includeInboxBodies?: boolean | undefined;
}

/** macro_prepare_thread: become (or register) the agent, summarise the thread, read the inbox. */
export async function macroPrepareThread(
  db: Db,
  input: PrepareThreadInput,
): Promise<{
  project: Project;
  agent: { id: number; name: string };
  registration_token: string | null;
  thread: { thread_id: string; summary: ThreadSummary; examples: unknown[]; total_messages: number };
  inbox: InboxItem[];
  warnings?: string[];
}> {
  let acting: ActingAgent;
  let token: string | null = null;
  let warnings: string[] | undefined;
  if (input.token !== undefined && input.agentName !== undefined) {
    acting = await requireActingAgent(db, input.projectKey, input.agentName, input.token);
  } else if (input.registerIfMissing ?? true) {
    const agent = await registerAgent(db, {
      projectKey: input.projectKey,
      program: input.program,
      model: input.model,
      name: input.agentName,
      taskDescription: input.taskDescription,
    });
    acting = { project: await resolveProject(db, input.projectKey), agent: { id: agent.id, name: agent.name } };
    token = agent.registration_token;
    warnings = agent.warnings;
  } else {
    throw new AppError("AUTHENTICATION_REQUIRED", "Pass agent_name and registration_token, or register_if_missing: true to create an agent.");
  }
  const thread = await summarizeThread(db, acting, input.threadId, input.includeExamples ?? true);
  const inbox = await fetchInbox(db, acting, { limit: input.inboxLimit ?? 10, includeBodies: input.includeInboxBodies ?? false });
  return {
    project: acting.project,
    agent: acting.agent,
    registration_token: token,
    thread: { thread_id: thread.thread_id, summary: thread.summary, examples: thread.examples ?? [], total_messages: thread.summary.total_messages },
    inbox,
    ...(warnings ? { warnings } : {}),
  };
}

export interface HandshakeInput {
  projectKey: string;
  requester: string;
  target: string;
  toProject?: string | undefined;
  reason?: string | undefined;
  ttlSeconds?: number | undefined;
  autoAccept?: boolean | undefined;
  welcomeSubject?: string | undefined;
  welcomeBody?: string | undefined;
  threadId?: string | undefined;
  requesterToken?: string | undefined;
  targetToken?: string | undefined;
}

/**
 * macro_contact_handshake: request → (auto_accept with the target's token) respond → optional welcome
 * message. Without the target's token the request stays pending and response_error says why.
 */
export async function macroContactHandshake(db: Db, input: HandshakeInput, deps: SendDeps = {}): Promise<Record<string, unknown>> {
  const hasSubject = Boolean(input.welcomeSubject);
  if (hasSubject !== Boolean(input.welcomeBody)) {
    throw new AppError("INVALID_ARGUMENT", "welcome_subject and welcome_body go together: pass both or neither.", { field: "welcome_body" });
  }
  const acting = await requireActingAgent(db, input.projectKey, input.requester, input.requesterToken);
  const request = await requestContact(
    db,
    acting,
    { toAgent: input.target, toProject: input.toProject, reason: input.reason, ttlSeconds: input.ttlSeconds },
    deps.notifier,
  );
  const result: Record<string, unknown> = { request, response: null, welcome_message: null };
  if (input.autoAccept) {
    try {
      const targetActing = await requireActingAgent(db, input.toProject ?? input.projectKey, input.target, input.targetToken);
      result.response = await respondContact(db, targetActing, { fromAgent: acting.agent.name, fromProject: acting.project.slug, accept: true, ttlSeconds: undefined });
    } catch (err) {
      result.response_error = asWire(err);
    }
  }
  if (hasSubject) {
    if (!result.response) {
      result.welcome_error = { type: "CONTACT_REQUIRED", message: "The welcome message needs auto_accept: true and the target's token." };
    } else {
      try {
        const address = input.toProject ? `${request.to}@${request.to_project}` : request.to;
        const sent = await sendMessage(
          db,
          acting,
          { to: [address], subject: input.welcomeSubject!, bodyMd: input.welcomeBody!, threadId: input.threadId },
          deps,
        );
        result.welcome_message = sent.deliveries[0]?.payload ?? null;
      } catch (err) {
        result.welcome_error = asWire(err);
      }
    }
  }
  return result;
}

function asWire(err: unknown): WireError {
  if (err instanceof AppError) return toWireError(err, "");
  throw err;
}
