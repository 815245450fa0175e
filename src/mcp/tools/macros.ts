/** Macros: common multi-step sequences in one call. */
import { z } from "zod";
import { macroContactHandshake, macroPrepareThread, macroStartSession } from "../../mail";
import { archiveAgentById, claimPaths, DEFAULT_CLAIM_TTL_SECONDS, MIN_CLAIM_TTL_SECONDS } from "../../coordinator";
import { AppError } from "../../shared/errors";
import { defineTool } from "../tool";
import { agentName, projectKey, registrationToken, tokenOf } from "./fields";

const program = z.string().max(128).describe("The agent's CLI, e.g. claude-code.");
const model = z.string().max(128).describe("The model it runs, e.g. opus-4.1.");
const inboxLimit = z.number().int().optional().describe("Inbox messages to return (default 10, 1-1000).");

export const macroStartSessionTool = defineTool({
  name: "macro_start_session",
  title: "Start session",
  description:
    "ensure_project + register_agent (or re-register an existing name with its token) + fetch_inbox in one call. Returns the project, " +
    "the agent, its registration_token when newly created (keep it) and the latest inbox without bodies. With claim_paths it also " +
    "claims them (exclusive) and returns `claims: {granted, conflicts}`.",
  input: z.object({
    human_key: z.string().min(1).max(1024).describe("Absolute path of the working directory."),
    program,
    model,
    task_description: z.string().max(4000).optional().describe("What this agent is working on."),
    agent_name: z.string().max(256).optional().describe("Name to register or resume (resuming needs registration_token)."),
    registration_token: registrationToken,
    inbox_limit: inboxLimit,
    claim_paths: z.array(z.string().max(1024)).max(500).optional().describe("Paths/globs to claim exclusively right away (empty list → EMPTY_PATHS)."),
    claim_reason: z.string().max(500).default("macro-session").describe("Reason recorded on those claims."),
    claim_ttl_seconds: z.number().int().min(MIN_CLAIM_TTL_SECONDS).default(DEFAULT_CLAIM_TTL_SECONDS).describe("Lease length of those claims."),
  }),
  readOnly: false,
  run: async (ctx, input) => {
    if (input.claim_paths?.length === 0) {
      throw new AppError("EMPTY_PATHS", "claim_paths is an empty list; omit it or name paths to claim, e.g. ['src/**'].");
    }
    const session = await macroStartSession(ctx.db, {
      humanKey: input.human_key,
      program: input.program,
      model: input.model,
      taskDescription: input.task_description,
      agentName: input.agent_name,
      token: tokenOf(ctx, input.registration_token),
      inboxLimit: input.inbox_limit,
    });
    ctx.waitUntil(archiveAgentById(ctx.env, ctx.db, session.project.id, session.agent.id));
    if (input.claim_paths === undefined) return session;
    // The agent was just authenticated (or created) by macroStartSession; claim as it.
    const claims = await claimPaths(ctx.env, session.project, { id: session.agent.id, name: session.agent.name }, input.claim_paths, {
      ttl_seconds: input.claim_ttl_seconds,
      exclusive: true,
      reason: input.claim_reason,
    });
    return { ...session, claims };
  },
});

export const macroPrepareThreadTool = defineTool({
  name: "macro_prepare_thread",
  title: "Prepare thread",
  description:
    "Joins a thread: authenticates as agent_name (or registers a new agent when register_if_missing), then returns the thread's " +
    "summary and examples plus your inbox.",
  input: z.object({
    project_key: projectKey,
    thread_id: z.string().min(1).max(256).describe("The thread to prepare."),
    program,
    model,
    agent_name: z.string().max(256).optional().describe("Your agent name (with registration_token), or a name to register."),
    registration_token: registrationToken,
    task_description: z.string().max(4000).optional().describe("Task description for a newly registered agent."),
    register_if_missing: z.boolean().optional().describe("Register a new agent when no token is given (default true)."),
    include_examples: z.boolean().optional().describe("Include up to three example messages (default true)."),
    inbox_limit: inboxLimit,
    include_inbox_bodies: z.boolean().optional().describe("Include bodies in the inbox (default false)."),
  }),
  readOnly: false,
  run: (ctx, input) =>
    macroPrepareThread(ctx.db, {
      projectKey: input.project_key,
      threadId: input.thread_id,
      program: input.program,
      model: input.model,
      agentName: input.agent_name,
      token: tokenOf(ctx, input.registration_token),
      taskDescription: input.task_description,
      registerIfMissing: input.register_if_missing,
      includeExamples: input.include_examples,
      inboxLimit: input.inbox_limit,
      includeInboxBodies: input.include_inbox_bodies,
    }),
});

export const macroContactHandshakeTool = defineTool({
  name: "macro_contact_handshake",
  title: "Contact handshake",
  description:
    "request_contact from requester to target; with auto_accept and the target's token also approves it, and with welcome_subject + " +
    "welcome_body sends a first message. Steps that cannot run are reported in response_error / welcome_error.",
  input: z.object({
    project_key: projectKey,
    requester: agentName("The requesting agent").optional(),
    agent_name: agentName("Alias of requester").optional(),
    target: agentName("The agent to contact").optional(),
    to_agent: agentName("Alias of target").optional(),
    to_project: z.string().max(1024).optional().describe("The target's project when it is another project."),
    reason: z.string().max(2000).optional().describe("Why (shown to the target)."),
    ttl_seconds: z.number().int().min(60).max(31_536_000).optional().describe("Request lifetime (default 7 days)."),
    auto_accept: z.boolean().optional().describe("Approve at once (needs target_registration_token)."),
    welcome_subject: z.string().max(10_000).optional().describe("Subject of a first message (with welcome_body)."),
    welcome_body: z.string().max(262_144).optional().describe("Body of a first message (with welcome_subject)."),
    thread_id: z.string().max(256).optional().describe("Thread for the welcome message."),
    requester_registration_token: z.string().max(512).optional().describe("The requester's registration_token."),
    target_registration_token: z.string().max(512).optional().describe("The target's registration_token (for auto_accept)."),
    registration_token: registrationToken.describe("Alias of requester_registration_token."),
  }),
  readOnly: false,
  run: (ctx, input) => {
    const requester = input.requester ?? input.agent_name;
    const target = input.target ?? input.to_agent;
    if (requester === undefined || target === undefined) {
      return Promise.reject(
        new AppError("INVALID_ARGUMENT", "Name the requester (requester or agent_name) and the target (target or to_agent).", {
          field: requester === undefined ? "requester" : "target",
        }),
      );
    }
    return macroContactHandshake(
      ctx.db,
      {
        projectKey: input.project_key,
        requester,
        target,
        toProject: input.to_project,
        reason: input.reason,
        ttlSeconds: input.ttl_seconds,
        autoAccept: input.auto_accept,
        welcomeSubject: input.welcome_subject,
        welcomeBody: input.welcome_body,
        threadId: input.thread_id,
        requesterToken: tokenOf(ctx, input.requester_registration_token, input.registration_token),
        targetToken: input.target_registration_token,
      },
      { notifier: ctx.notifier, signals: ctx.contactSignals },
    );
  },
});
