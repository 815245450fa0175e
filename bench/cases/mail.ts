/**
 * Agent-mail cases (issue 4): send latency and throughput, fetch_inbox on a 10k inbox, search over 100k
 * messages. The large corpus is bulk-loaded into the bench worker's own D1 (see seed-mail.ts).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { BenchCase } from "../lib";
import { seedMailCorpus, type SeededCorpus } from "../seed-mail";

const BODY_512 = "x".repeat(512);
const CORPUS_MESSAGES = Number(process.env.BENCH_CORPUS_MESSAGES ?? 100_000);
const INBOX_MESSAGES = 10_000;

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
  return result.structuredContent as Record<string, unknown>;
}

interface Agent {
  name: string;
  token: string;
}

async function project(client: Client, label: string): Promise<string> {
  const created = await call(client, "ensure_project", { human_key: `/bench/${label}-${Date.now()}` });
  return created.slug as string;
}

async function agent(client: Client, slug: string, policy = "open"): Promise<Agent> {
  const registered = await call(client, "register_agent", { project_key: slug, program: "bench", model: "bench" });
  const result = { name: registered.name as string, token: registered.registration_token as string };
  await call(client, "set_contact_policy", { project_key: slug, agent_name: result.name, policy, registration_token: result.token });
  return result;
}

function sendArgs(slug: string, from: Agent, to: Agent): Record<string, unknown> {
  return { project_key: slug, sender_name: from.name, sender_token: from.token, to: [to.name], subject: "bench", body_md: BODY_512 };
}

export const sendMessageCase: BenchCase = {
  name: "send_message (1 rcpt, 512 B)",
  target: "p50 <= 3x health_check",
  async setup({ client }) {
    const slug = await project(client, "send");
    const [from, to] = [await agent(client, slug), await agent(client, slug)];
    return () => call(client, "send_message", sendArgs(slug, from, to));
  },
};

const SENDERS = 30;

/** The same load shape on health_check: the ceiling of this machine + MCP round trip, for context. */
export const healthThroughputCase: BenchCase = {
  name: "health_check x30 callers",
  target: "context for the next row",
  concurrency: SENDERS,
  iterations: 3000,
  async setup({ client }) {
    return () => call(client, "health_check", {});
  },
};

export const sendThroughputCase: BenchCase = {
  name: "send_message x30 agents",
  target: ">= 200 sends/s, 0 errors",
  concurrency: SENDERS,
  iterations: 3000,
  async setup({ client }) {
    const slug = await project(client, "throughput");
    const to = await agent(client, slug);
    const senders: Agent[] = [];
    for (let i = 0; i < SENDERS; i++) senders.push(await agent(client, slug));
    return (worker) => call(client, "send_message", sendArgs(slug, senders[worker]!, to));
  },
};

let corpus: SeededCorpus | undefined;

function prepareCorpus(persistDir: string): void {
  corpus ??= seedMailCorpus(persistDir, CORPUS_MESSAGES, INBOX_MESSAGES);
}

function seeded(): SeededCorpus {
  if (!corpus) throw new Error("the corpus cases bulk-load the bench's own wrangler dev before it starts; unset BENCH_URL");
  return corpus;
}

export const fetchInboxCase: BenchCase = {
  name: "fetch_inbox (100 of 10k)",
  target: "p50 <= 3x health_check",
  prepareStorage: prepareCorpus,
  async setup(ctx) {
    const { project: slug, inbox } = seeded();
    const args = { project_key: slug, agent_name: inbox.name, registration_token: inbox.token, limit: 100 };
    const first = await call(ctx.client, "fetch_inbox", args);
    if ((first.messages as unknown[]).length !== 100) throw new Error("seeded inbox is not readable");
    return () => call(ctx.client, "fetch_inbox", args);
  },
};

/** Single terms in ~4% of messages, a phrase, boolean and prefix queries, and a hostile one. */
const QUERIES = ["rollback", "\"cache queue\"", "incident AND hotfix", "migrat*", "ticket OR alert", "gateway NOT deploy", "POL-358"];

export const searchCase: BenchCase = {
  name: `search_messages (${CORPUS_MESSAGES / 1000}k msgs)`,
  target: "p95 <= 2x health_check",
  prepareStorage: prepareCorpus,
  async setup(ctx) {
    const { project: slug, reader } = seeded();
    let i = 0;
    return () =>
      call(ctx.client, "search_messages", { project_key: slug, agent_name: reader.name, registration_token: reader.token, query: QUERIES[i++ % QUERIES.length], limit: 20 });
  },
};
