/** Identity: name policy, race-safe registration, hashed tokens, and the acting-agent check. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db";
import {
  createAgentIdentity,
  decideName,
  ensureProject,
  registerAgent,
  requireActingAgent,
  sendSystemMessage,
} from "../../src/mail";
import { AppError } from "../../src/shared/errors";

const db = () => createDb(env.DB);
let seq = 0;
async function project(): Promise<string> {
  const p = await ensureProject(db(), `/identity/p${Date.now()}-${seq++}`);
  return p.slug;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error.type;
}

describe("name policy", () => {
  it.each(["GreenCastle", "bluelake", "alpha-one", "cc-0", "worker_42", "agent.7"])("accepts %s verbatim", (name) => {
    expect(decideName(name)).toEqual({ accepted: true, name });
  });

  it.each(["BackendHarmonizer", "claude-code", "codex", "gpt-5", "ada@example.com", "all", "everyone", "has space", "x".repeat(200)])(
    "refuses %s",
    (name) => expect(decideName(name).accepted).toBe(false),
  );
});

describe("register_agent", () => {
  it("generates an adjective+noun name and returns a token it stores only as a hash", async () => {
    const slug = await project();
    const agent = await registerAgent(db(), { projectKey: slug, program: "codex", model: "gpt-5" });
    expect(agent.name).toMatch(/^[A-Z][a-z]+[A-Z][a-z]+$/);
    expect(agent.registration_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await env.DB.prepare("SELECT token_hash FROM agents WHERE id = ?").bind(agent.id).first<{ token_hash: string }>();
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.token_hash).not.toContain(agent.registration_token!);
  });

  it("coerces a descriptive name to a generated one and says so in warnings", async () => {
    const agent = await registerAgent(db(), { projectKey: await project(), program: "codex", model: "gpt-5", name: "BackendHarmonizer" });
    expect(agent.name).not.toBe("BackendHarmonizer");
    expect(agent.warnings?.[0]).toContain("BackendHarmonizer");
  });

  it("rejects an empty program with EMPTY_PROGRAM and an empty model with EMPTY_MODEL", async () => {
    const slug = await project();
    expect(await codeOf(registerAgent(db(), { projectKey: slug, program: " ", model: "m" }))).toBe("EMPTY_PROGRAM");
    expect(await codeOf(registerAgent(db(), { projectKey: slug, program: "p", model: "" }))).toBe("EMPTY_MODEL");
  });

  it("gives the token to exactly one of 10 racing registrations of one name", async () => {
    const slug = await project();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => registerAgent(db(), { projectKey: slug, program: "codex", model: "gpt-5", name: "alpha-one" })),
    );
    const created = results.filter((r) => r.status === "fulfilled" && r.value.registration_token !== null);
    const refused = results.filter((r) => r.status === "rejected");
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect(((r as PromiseRejectedResult).reason as AppError).type).toBe("AUTHENTICATION_REQUIRED");
  });

  it("treats names case-insensitively and updates an existing agent only with its token", async () => {
    const slug = await project();
    const first = await registerAgent(db(), { projectKey: slug, program: "codex", model: "gpt-5", name: "BlueLake" });
    expect(await codeOf(registerAgent(db(), { projectKey: slug, program: "x", model: "y", name: "bluelake" }))).toBe(
      "AUTHENTICATION_REQUIRED",
    );
    const again = await registerAgent(db(), {
      projectKey: slug,
      program: "claude-code",
      model: "opus",
      name: "BLUELAKE",
      token: first.registration_token!,
    });
    expect(again.id).toBe(first.id);
    expect(again.name).toBe("BlueLake");
    expect(again.program).toBe("claude-code");
    expect(again.registration_token).toBeNull();
  });

  it("create_agent_identity always creates a new agent even when the hint is taken", async () => {
    const slug = await project();
    const a = await createAgentIdentity(db(), { projectKey: slug, program: "p", model: "m", name: "cc-0" });
    const b = await createAgentIdentity(db(), { projectKey: slug, program: "p", model: "m", name: "cc-0" });
    expect(a.name).toBe("cc-0");
    expect(b.id).not.toBe(a.id);
    expect(b.warnings?.[0]).toContain("taken");
  });
});

describe("requireActingAgent", () => {
  it("authenticates with the registration token", async () => {
    const slug = await project();
    const agent = await registerAgent(db(), { projectKey: slug, program: "p", model: "m", name: "GreenCastle" });
    const acting = await requireActingAgent(db(), slug, "greencastle", agent.registration_token!);
    expect(acting.agent).toEqual({ id: agent.id, name: "GreenCastle" });
    expect(acting.project.slug).toBe(slug);
  });

  it("fails NOT_FOUND for an unknown agent or project, AUTHENTICATION_REQUIRED for a missing or wrong token", async () => {
    const slug = await project();
    const agent = await registerAgent(db(), { projectKey: slug, program: "p", model: "m" });
    expect(await codeOf(requireActingAgent(db(), slug, "NoSuchAgent", "t"))).toBe("NOT_FOUND");
    expect(await codeOf(requireActingAgent(db(), "/no/such/project", agent.name, agent.registration_token!))).toBe("NOT_FOUND");
    expect(await codeOf(requireActingAgent(db(), slug, agent.name, undefined))).toBe("AUTHENTICATION_REQUIRED");
    expect(await codeOf(requireActingAgent(db(), slug, agent.name, "wrong"))).toBe("AUTHENTICATION_REQUIRED");
  });

  it("fails AGENT_RETIRED for a retired agent", async () => {
    const slug = await project();
    const agent = await registerAgent(db(), { projectKey: slug, program: "p", model: "m" });
    await env.DB.prepare("UPDATE agents SET retired_at = ? WHERE id = ?").bind(new Date().toISOString(), agent.id).run();
    expect(await codeOf(requireActingAgent(db(), slug, agent.name, agent.registration_token!))).toBe("AGENT_RETIRED");
  });
});

describe("sendSystemMessage", () => {
  it("stores a message with its recipients and indexes it for search", async () => {
    const slug = await project();
    const from = await registerAgent(db(), { projectKey: slug, program: "p", model: "m" });
    const to = await registerAgent(db(), { projectKey: slug, program: "p", model: "m" });
    const stored = await sendSystemMessage(db(), {
      projectId: from.project_id,
      fromAgentId: from.id,
      toAgentIds: [to.id, to.id],
      subject: "Claim released",
      bodyMd: "Your claim on src/zebra.ts was force-released.",
    });
    const rows = await env.DB.prepare("SELECT agent_id, kind FROM message_recipients WHERE message_id = ?").bind(stored.id).all();
    expect(rows.results).toEqual([{ agent_id: to.id, kind: "to" }]);
    const hit = await env.DB.prepare("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'zebra'").all<{ rowid: number }>();
    expect(hit.results.map((r) => r.rowid)).toContain(stored.id);
  });
});
