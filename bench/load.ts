/**
 * Load: 30 agents × 100 mixed operations (send, fetch_inbox, search, claim) at once against one Worker,
 * each agent on its own MCP connection. Reports throughput and p50/p95/p99 per operation, the errors, and
 * whether anything was lost: every message sent must be in its recipient's inbox afterwards.
 *   bash bench/run.sh load [agents] [ops-per-agent]
 * Bounded: agents × ops operations, then it stops; all traffic stays on loopback.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { connectMcp } from "../test/support/mcp";
import { startWorker, type RunningWorker } from "../test/support/worker";
import { summarize } from "./lib";

const AGENTS = Number(process.argv[2] ?? 30);
const OPS_PER_AGENT = Number(process.argv[3] ?? 100);
const OPERATIONS = ["send", "fetch", "search", "claim"] as const;
type Operation = (typeof OPERATIONS)[number];

interface Agent {
  name: string;
  token: string;
  client: Client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
  return result.structuredContent as Record<string, unknown>;
}

async function main(): Promise<void> {
  let worker: RunningWorker | undefined;
  const url = process.env.BENCH_URL ?? (worker = await startWorker()).url;
  const token = process.env.BENCH_TOKEN ?? worker!.token;
  const admin = await connectMcp(url, token);
  const project = ((await call(admin, "ensure_project", { human_key: `/bench/load-${Date.now()}` })) as { slug: string }).slug;
  const agents: Agent[] = [];
  try {
    for (let i = 0; i < AGENTS; i++) {
      const reg = (await call(admin, "register_agent", { project_key: project, program: "bench", model: "load" })) as {
        name: string;
        registration_token: string;
      };
      await call(admin, "set_contact_policy", { project_key: project, agent_name: reg.name, policy: "open", registration_token: reg.registration_token });
      agents.push({ name: reg.name, token: reg.registration_token, client: await connectMcp(url, token) });
    }

    const samples: Record<Operation, number[]> = { send: [], fetch: [], search: [], claim: [] };
    const errors: string[] = [];
    const sentTo = new Map<string, number>();
    const started = performance.now();
    await Promise.all(
      agents.map(async (agent, index) => {
        for (let n = 0; n < OPS_PER_AGENT; n++) {
          const op = OPERATIONS[(index + n) % OPERATIONS.length]!;
          const peer = agents[(index + n + 1) % agents.length]!;
          const t0 = performance.now();
          try {
            if (op === "send") {
              await call(agent.client, "send_message", {
                project_key: project, sender_name: agent.name, sender_token: agent.token, to: [peer.name],
                subject: `load ${index}-${n}`, body_md: `payload ${"x".repeat(400)} alpha beta ${n}`,
              });
              sentTo.set(peer.name, (sentTo.get(peer.name) ?? 0) + 1);
            } else if (op === "fetch") {
              await call(agent.client, "fetch_inbox", { project_key: project, agent_name: agent.name, registration_token: agent.token, limit: 50 });
            } else if (op === "search") {
              await call(agent.client, "search_messages", { project_key: project, agent_name: agent.name, registration_token: agent.token, query: "alpha OR beta", limit: 20 });
            } else {
              await call(agent.client, "claim_paths", {
                project_key: project, agent_name: agent.name, registration_token: agent.token,
                paths: [`src/agent-${index}/**`, `shared/file-${n % 5}.ts`], ttl_seconds: 300, exclusive: n % 2 === 0,
              });
            }
            samples[op].push(performance.now() - t0);
          } catch (err) {
            errors.push(`${op}: ${String(err).slice(0, 200)}`);
          }
        }
      }),
    );
    const wallMs = performance.now() - started;

    // Nothing lost: every recipient's inbox holds exactly what was sent to it.
    let lost = 0;
    for (const agent of agents) {
      const inbox = (await call(agent.client, "fetch_inbox", {
        project_key: project, agent_name: agent.name, registration_token: agent.token, limit: 1000,
      })) as { messages: Array<{ subject: string }> };
      const received = inbox.messages.filter((m) => m.subject.startsWith("load ")).length;
      lost += Math.max(0, (sentTo.get(agent.name) ?? 0) - received);
    }

    const total = OPERATIONS.reduce((sum, op) => sum + samples[op].length, 0) + errors.length;
    console.log(`Load: ${AGENTS} agents × ${OPS_PER_AGENT} operations against ${url}`);
    console.log(`operations ${total}, errors ${errors.length}, lost messages ${lost}, wall ${(wallMs / 1000).toFixed(1)} s, ${(total / (wallMs / 1000)).toFixed(1)} ops/s`);
    console.log(`${"operation".padEnd(14)} ${"n".padStart(6)} ${"p50 ms".padStart(9)} ${"p95 ms".padStart(9)} ${"p99 ms".padStart(9)}`);
    for (const op of [...OPERATIONS]) {
      const s = summarize(samples[op]);
      console.log(`${op.padEnd(14)} ${String(s.n).padStart(6)} ${s.p50.toFixed(1).padStart(9)} ${s.p95.toFixed(1).padStart(9)} ${s.p99.toFixed(1).padStart(9)}`);
    }
    for (const error of errors.slice(0, 5)) console.log(`error: ${error}`);
    if (errors.length > 0 || lost > 0) process.exitCode = 1;
  } finally {
    await Promise.all(agents.map((a) => a.client.close()));
    await admin.close();
    await worker?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
