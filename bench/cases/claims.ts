/**
 * Coordinator cases. The figure: claim_paths with 50 paths against 100 active claims, p50 ≤ 2× health_check
 * (the original: 44 ms, 79 % of it git). Also: check_claims (what the guard calls), and the archive: objects and
 * bytes per message and the time of a full `git clone` over the dumb HTTP protocol (from packs: repair_archive packs
 * the loose objects, and the writer packs every 512 loose objects on its own).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { BenchCase } from "../lib";

/** Messages in the archive whose clone is timed; BENCH_ARCHIVE_MESSAGES=10000 for the full size. */
const ARCHIVE_MESSAGES = Number(process.env.BENCH_ARCHIVE_MESSAGES ?? 300);
const SEED_SENDERS = 10;

let seq = 0;

async function call<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
  return result.structuredContent as T;
}

/** Retries after the server's rate limit (429) the way a well-behaved client does: a large seed outruns the limit. */
async function politely<T>(op: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if ((err as { code?: number }).code !== 429) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

interface Agent {
  name: string;
  token: string;
}

async function projectWithAgents(client: Client, label: string, count: number): Promise<{ project: string; agents: Agent[] }> {
  const { slug } = await call<{ slug: string }>(client, "ensure_project", { human_key: `/bench/${label}-${process.pid}-${Date.now()}-${++seq}` });
  const agents: Agent[] = [];
  for (let i = 0; i < count; i++) {
    const a = await call<{ name: string; registration_token: string }>(client, "register_agent", { project_key: slug, program: "bench", model: "bench" });
    await call(client, "set_contact_policy", { project_key: slug, agent_name: a.name, registration_token: a.registration_token, policy: "open" });
    agents.push({ name: a.name, token: a.registration_token });
  }
  return { project: slug, agents };
}

/** 10 holders × 10 patterns = 100 live claims, mixing directory globs, extension globs and files. */
async function hundredClaims(client: Client, project: string, holders: Agent[]): Promise<void> {
  for (const [h, holder] of holders.entries()) {
    const paths = Array.from({ length: 10 }, (_, j) =>
      j % 3 === 0 ? `pkg${h}/mod${j}/**` : j % 3 === 1 ? `pkg${h}/mod${j}/*.ts` : `pkg${h}/mod${j}/index.ts`,
    );
    await call(client, "claim_paths", { project_key: project, agent_name: holder.name, registration_token: holder.token, paths, exclusive: h % 2 === 0 });
  }
}

const fiftyPaths = Array.from({ length: 50 }, (_, k) => `pkg${k % 10}/mod${k % 7}/file${k}.ts`);

export const claimPathsCase: BenchCase = {
  name: "claim_paths 50×100",
  target: "p50 ≤ 2× health_check",
  async setup({ client }) {
    const { project, agents } = await projectWithAgents(client, "claims", 11);
    await hundredClaims(client, project, agents.slice(1));
    const me = agents[0]!;
    const args = { project_key: project, agent_name: me.name, registration_token: me.token, paths: fiftyPaths, ttl_seconds: 3600 };
    return () => call(client, "claim_paths", args);
  },
};

export const checkClaimsCase: BenchCase = {
  name: "check_claims 50×100",
  target: "informational (the guard's call)",
  async setup({ client }) {
    const { project, agents } = await projectWithAgents(client, "check", 11);
    await hundredClaims(client, project, agents.slice(1));
    const args = { project_key: project, agent_name: agents[0]!.name, paths: fiftyPaths };
    return () => call(client, "check_claims", args);
  },
};

function git(args: string[], cwd?: string): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

export const archiveCloneCase: BenchCase = {
  name: `git clone (${ARCHIVE_MESSAGES} msgs)`,
  target: "informational; objects/bytes per message printed above",
  iterations: 3,
  warmup: 0,
  async setup({ client, token }) {
    const { project, agents } = await projectWithAgents(client, "archive", 3);
    // Seeded by SEED_SENDERS concurrent callers: sends in bursts, as agents make them (and 10k in minutes).
    let next = 0;
    await Promise.all(
      Array.from({ length: SEED_SENDERS }, async () => {
        for (let i = next++; i < ARCHIVE_MESSAGES; i = next++) {
          const from = agents[i % 3]!;
          const to = agents[(i + 1) % 3]!;
          const args = {
            project_key: project,
            sender_name: from.name,
            sender_token: from.token,
            to: [to.name],
            subject: `bench message ${i}`,
            body_md: `Status update ${i}: build green, next step is the migration of module ${i % 40}.`,
          };
          await politely(() => call(client, "send_message", args));
        }
      }),
    );
    const repaired = await call<{ clone_url: string }>(client, "repair_archive", { project_key: project });
    const header = `http.extraHeader=Authorization: Bearer ${token}`;
    const clone = (): { dir: string } => {
      const dir = mkdtempSync(join(tmpdir(), "pigeonhole-bench-clone-"));
      git(["-c", header, "clone", "-q", repaired.clone_url, join(dir, "repo")]);
      return { dir };
    };
    const first = clone();
    // Exact compressed bytes per object (what R2 stores), not the 4 KiB-rounded disk usage of count-objects.
    const sizes = git(["cat-file", "--batch-all-objects", "--batch-check=%(objectsize:disk)"], join(first.dir, "repo"))
      .trim()
      .split("\n")
      .map(Number);
    const objects = sizes.length;
    const bytes = sizes.reduce((a, b) => a + b, 0);
    const commits = Number(git(["rev-list", "--count", "HEAD"], join(first.dir, "repo")).trim());
    const counts = Object.fromEntries(
      git(["count-objects", "-v"], join(first.dir, "repo")).trim().split("\n").map((l) => l.split(": ") as [string, string]),
    );
    rmSync(first.dir, { recursive: true, force: true });
    console.log(
      `archive: ${ARCHIVE_MESSAGES} messages, ${commits} commits, ${objects} objects (${(objects / ARCHIVE_MESSAGES).toFixed(1)}/message), ` +
        `${(bytes / 1024 / 1024).toFixed(1)} MiB zlib (${Math.round(bytes / ARCHIVE_MESSAGES)} B/message); ` +
        `the clone fetched ${counts["packs"]} pack(s) holding ${counts["in-pack"]} objects and ${counts["count"]} loose objects`,
    );
    return async () => {
      const { dir } = clone();
      rmSync(dir, { recursive: true, force: true });
    };
  },
};
