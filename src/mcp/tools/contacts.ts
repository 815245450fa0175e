/** Contact tools: policy, request, respond, list. */
import { z } from "zod";
import { listContacts, requestContact, requireActingAgent, respondContact, setContactPolicy } from "../../mail";
import { defineTool } from "../tool";
import { agentName, projectKey, registrationToken, tokenOf } from "./fields";

const ttlSeconds = (what: string) => z.number().int().min(60).max(31_536_000).optional().describe(what);

export const setContactPolicyTool = defineTool({
  name: "set_contact_policy",
  title: "Set contact policy",
  description:
    "Who may message this agent: open (anyone), auto (default: thread participants, agents with overlapping claims, approved " +
    "contacts, and agents you exchanged mail with in the last 24 h), contacts_only (approved contacts and thread participants), " +
    "block_all (nobody). Unknown values become auto.",
  input: z.object({
    project_key: projectKey,
    agent_name: agentName("The agent whose policy to set"),
    policy: z.string().max(64).describe("open | auto | contacts_only | block_all"),
    registration_token: registrationToken,
  }),
  readOnly: false,
  run: async (ctx, input) => {
    const acting = await requireActingAgent(ctx.db, input.project_key, input.agent_name, tokenOf(ctx, input.registration_token));
    return setContactPolicy(ctx.db, acting, input.policy);
  },
});

export const requestContactTool = defineTool({
  name: "request_contact",
  title: "Request contact",
  actsAs: "from_agent",
  description:
    "Asks to_agent for permission to message it: creates a pending link and sends it an ack_required intro. An approved link stays " +
    "approved (its expiry is extended); a refusal stays refused until the target changes it.",
  input: z.object({
    project_key: projectKey,
    from_agent: agentName("The requesting agent"),
    to_agent: agentName("The agent to contact"),
    to_project: z.string().max(1024).optional().describe("The target's project (slug or path) when it is another project."),
    reason: z.string().max(2000).optional().describe("Why you want to write (shown to the target)."),
    ttl_seconds: ttlSeconds("How long the request stays open (default 7 days, at least 60)."),
    registration_token: registrationToken,
  }),
  readOnly: false,
  run: async (ctx, input) => {
    const acting = await requireActingAgent(ctx.db, input.project_key, input.from_agent, tokenOf(ctx, input.registration_token));
    return requestContact(ctx.db, acting, { toAgent: input.to_agent, toProject: input.to_project, reason: input.reason, ttlSeconds: input.ttl_seconds }, ctx.notifier);
  },
});

export const respondContactTool = defineTool({
  name: "respond_contact",
  title: "Respond to contact request",
  actsAs: "to_agent",
  description: "Called by the target (to_agent): accept lets from_agent write to you until the approval expires; refusing blocks it until you accept later.",
  input: z.object({
    project_key: projectKey,
    to_agent: agentName("You, the agent that was asked"),
    from_agent: agentName("The requesting agent"),
    from_project: z.string().max(1024).optional().describe("The requester's project when it is another project."),
    accept: z.boolean().describe("true to approve, false to refuse."),
    ttl_seconds: ttlSeconds("How long an approval lasts (default 30 days, at least 60)."),
    registration_token: registrationToken,
  }),
  readOnly: false,
  run: async (ctx, input) => {
    const acting = await requireActingAgent(ctx.db, input.project_key, input.to_agent, tokenOf(ctx, input.registration_token));
    return respondContact(ctx.db, acting, { fromAgent: input.from_agent, fromProject: input.from_project, accept: input.accept, ttlSeconds: input.ttl_seconds });
  },
});

export const listContactsTool = defineTool({
  name: "list_contacts",
  title: "List contacts",
  description: "The agent's outbound contact links (to whom it may write, with status and expiry) and the incoming requests waiting on it.",
  input: z.object({ project_key: projectKey, agent_name: agentName(), registration_token: registrationToken }),
  readOnly: true,
  run: async (ctx, input) => {
    const acting = await requireActingAgent(ctx.db, input.project_key, input.agent_name, tokenOf(ctx, input.registration_token));
    return listContacts(ctx.db, acting);
  },
});
