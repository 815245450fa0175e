/** Search and summary tools. */
import { z } from "zod";
import { requireActingAgent, searchMessagesAs, summarizeThread, summarizeThreads } from "../../mail";
import { defineTool } from "../tool";
import { agentName, limit, projectKey, registrationToken, tokenOf } from "./fields";

const threadId = z.string().min(1).max(256).describe("A thread id (e.g. FEAT-123) or the id of the message that seeded the thread.");

export const searchMessagesTool = defineTool({
  name: "search_messages",
  title: "Search messages",
  description:
    'Full-text search over subject and body of the messages you sent or received, best match first, with a snippet. FTS5 syntax works ("exact phrase", prefix*, AND/OR/NOT, subject:word); anything FTS5 cannot parse is matched as plain terms instead of failing.',
  input: z.object({
    project_key: projectKey,
    agent_name: agentName("The searching agent"),
    query: z.string().max(1000).describe("Words, a \"phrase\", prefix*, or FTS5 boolean syntax."),
    limit: limit(20),
    registration_token: registrationToken,
  }),
  readOnly: true,
  run: async (ctx, input) => {
    const credentials = { projectKey: input.project_key, agentName: input.agent_name, token: tokenOf(ctx, input.registration_token) };
    return { messages: await searchMessagesAs(ctx.db, credentials, input.query, input.limit) };
  },
});

export const summarizeThreadTool = defineTool({
  name: "summarize_thread",
  title: "Summarize thread",
  description:
    "Rule-based summary of a thread you take part in: participants, key points (bullets), action items (- [ ], - [x], TODO:, NEXT:, " +
    "ACTION:), @mentions and backticked code references. An unknown thread gives an empty summary.",
  input: z.object({
    project_key: projectKey,
    thread_id: threadId,
    agent_name: agentName("The reading agent"),
    include_examples: z.boolean().optional().describe("Also return the first three messages (id, subject, from, created_ts)."),
    registration_token: registrationToken,
  }),
  readOnly: true,
  run: async (ctx, input) => {
    const acting = await requireActingAgent(ctx.db, input.project_key, input.agent_name, tokenOf(ctx, input.registration_token));
    return summarizeThread(ctx.db, acting, input.thread_id, input.include_examples ?? false);
  },
});

export const summarizeThreadsTool = defineTool({
  name: "summarize_threads",
  title: "Summarize threads",
  description: "summarize_thread for several threads at once, plus an aggregate (top mentions, key points, action items).",
  input: z.object({
    project_key: projectKey,
    thread_ids: z.array(threadId).min(1).max(50).describe("Up to 50 thread ids."),
    agent_name: agentName("The reading agent"),
    include_examples: z.boolean().optional().describe("Also return the first three messages of each thread."),
    registration_token: registrationToken,
  }),
  readOnly: true,
  run: async (ctx, input) => {
    const acting = await requireActingAgent(ctx.db, input.project_key, input.agent_name, tokenOf(ctx, input.registration_token));
    return summarizeThreads(ctx.db, acting, input.thread_ids, input.include_examples ?? false);
  },
});
