/** The claims MCP tools over /mcp: identity, guard check, force release with notice, macros, guard instructions. */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { coordinatorFor } from "../../src/coordinator";
import { agents, createDb, messageRecipients, messages } from "../../src/db";
import { ensureProject, registerAgent } from "../../src/mail";
import { readClaimsResource } from "../../src/mcp/resources/claims";

const db = () => createDb(env.DB);
let seq = 0;

interface ToolReply {
  isError?: boolean;
  structuredContent: Record<string, unknown> & { error?: { type: string; message: string } };
}

async function call(name: string, args: Record<string, unknown>): Promise<ToolReply> {
  const res = await SELF.fetch("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      Authorization: "Bearer test-token",
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: ToolReply }).result;
}

async function ok(name: string, args: Record<string, unknown>) {
  const reply = await call(name, args);
  expect(reply.isError, JSON.stringify(reply.structuredContent)).toBeFalsy();
  return reply.structuredContent;
}

async function errorType(name: string, args: Record<string, unknown>): Promise<string> {
  const reply = await call(name, args);
  expect(reply.isError).toBe(true);
  return reply.structuredContent.error!.type;
}

async function setup() {
  const project = await ensureProject(db(), `/claims-tools/p${Date.now()}-${seq++}`);
  const register = (name: string) =>
    registerAgent(db(), { projectKey: project.slug, program: "claude-code", model: "opus", name });
  const [a, b] = [await register("GreenCastle"), await register("BlueLake")];
  const as = (agent: typeof a) => ({ project_key: project.human_key, agent_name: agent.name, registration_token: agent.registration_token });
  return { project, a, b, as };
}

describe("claims tools", () => {
  it("claim_paths requires the agent's token (AUTHENTICATION_REQUIRED) and reports conflicts", async () => {
    const { a, b, as } = await setup();
    expect(await errorType("claim_paths", { ...as(a), registration_token: undefined, paths: ["src/**"] })).toBe("AUTHENTICATION_REQUIRED");
    await ok("claim_paths", { ...as(a), paths: ["src/**"], reason: "refactor" });
    const second = await ok("claim_paths", { ...as(b), paths: ["/src/app.ts"], exclusive: false });
    expect(second.conflicts).toEqual([
      { path: "src/app.ts", holders: [expect.objectContaining({ agent: "GreenCastle", path_pattern: "src/**", exclusive: true })] },
    ]);
  });

  it("rejects a ttl under 60 s with INVALID_ARGUMENT and empty paths with EMPTY_PATHS", async () => {
    const { a, as } = await setup();
    expect(await errorType("claim_paths", { ...as(a), paths: ["x"], ttl_seconds: 5 })).toBe("INVALID_ARGUMENT");
    expect(await errorType("claim_paths", { ...as(a), paths: [] })).toBe("EMPTY_PATHS");
    expect(await errorType("release_claims", { ...as(a), claim_ids: [] })).toBe("EMPTY_IDS");
  });

  it("check_claims needs no token and blocks only on other agents' exclusive claims", async () => {
    const { project, a, b, as } = await setup();
    await ok("claim_paths", { ...as(a), paths: ["src/**"] });
    const check = { project_key: project.slug, paths: ["src/x.ts", "docs/y.md"] };
    expect(await ok("check_claims", { ...check, agent_name: b.name })).toMatchObject({ blocking: true });
    expect(await ok("check_claims", { ...check, agent_name: a.name.toLowerCase() })).toEqual({ conflicts: [], blocking: false });
    expect(await ok("check_claims", check)).toMatchObject({ blocking: true });
  });

  it("force_release_claim refuses an active holder, then releases a stale one and notifies it by message", async () => {
    const { project, a, b, as } = await setup();
    const claimed = (await ok("claim_paths", { ...as(a), paths: ["src/**"] })) as { granted: Array<{ id: number }> };
    const claimId = claimed.granted[0]!.id;
    expect(await errorType("force_release_claim", { ...as(b), claim_id: claimId })).toBe("RESERVATION_ACTIVE");

    const longAgo = "2020-01-01T00:00:00.000Z";
    await db().update(agents).set({ lastActiveTs: longAgo }).where(eq(agents.id, a.id));
    await runInDurableObject(coordinatorFor(env, project), (_i, state) => {
      state.storage.sql.exec(`UPDATE agent_activity SET last_ts = ?`, longAgo);
    });
    const released = await ok("force_release_claim", { ...as(b), claim_id: claimId, note: "needed for the release" });
    expect(released).toMatchObject({ released: 1, notified: true });

    const inbox = await db()
      .select({ subject: messages.subject, body: messages.bodyMd })
      .from(messageRecipients)
      .innerJoin(messages, eq(messageRecipients.messageId, messages.id))
      .where(eq(messageRecipients.agentId, a.id));
    expect(inbox).toEqual([
      { subject: "Your claim on src/** was force-released", body: expect.stringContaining("needed for the release") },
    ]);
  });

  it("renew_claims bumps by at least 60 s; macro_claim_cycle can release what it claimed", async () => {
    const { a, as } = await setup();
    await ok("claim_paths", { ...as(a), paths: ["lib/**"] });
    const renewed = (await ok("renew_claims", { ...as(a), extend_seconds: 1 })) as { claims: Array<{ old_expires_ts: string; new_expires_ts: string }> };
    const { old_expires_ts, new_expires_ts } = renewed.claims[0]!;
    expect(Date.parse(new_expires_ts) - Date.parse(old_expires_ts)).toBe(60_000);
    const cycle = await ok("macro_claim_cycle", { ...as(a), paths: ["tool://deploy"], auto_release: true });
    expect(cycle).toMatchObject({ claims: { granted: [expect.objectContaining({ path_pattern: "tool://deploy" })] }, released: { released: 1 } });
  });

  it("install_precommit_guard returns the hook files and the install command", async () => {
    const { project } = await setup();
    const reply = (await ok("install_precommit_guard", { project_key: project.slug, code_repo_path: "/home/me/repo" })) as {
      install_command: string;
      files: Array<{ name: string; content: string }>;
    };
    expect(reply.install_command).toContain("pigeonhole guard install --repo /home/me/repo");
    expect(reply.files.map((f) => f.name)).toEqual(["pre-commit", "pigeonhole-guard.mjs"]);
    expect(reply.files[1]!.content).toContain("check_claims");
    const uninstall = await ok("uninstall_precommit_guard", { code_repo_path: "/home/me/repo" });
    expect(uninstall.uninstall_command).toBe("npx pigeonhole guard uninstall --repo /home/me/repo");
  });

  it("resource://claims/{slug} lists live claims; active_only=false adds released ones", async () => {
    const { project, a, as } = await setup();
    await ok("claim_paths", { ...as(a), paths: ["src/**", "docs/**"] });
    await ok("release_claims", { ...as(a), paths: ["docs/**"] });
    const ctx = { env, db: db(), requestId: "r", principal: { kind: "static" as const, id: "static", role: "writer" as const }, waitUntil: () => undefined };
    const read = async (uri: string) => JSON.parse(((await readClaimsResource(ctx, uri)).contents[0] as { text: string }).text);
    const live = await read(`resource://claims/${project.slug}`);
    expect(live.claims.map((c: { path_pattern: string }) => c.path_pattern)).toEqual(["src/**"]);
    const all = await read(`resource://claims/${project.slug}?active_only=false`);
    expect(all.claims).toHaveLength(2);
    expect(all.claims.find((c: { path_pattern: string }) => c.path_pattern === "docs/**").release_reason).toBe("released");
  });
});
