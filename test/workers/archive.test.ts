/** The archive: one git commit per archived write, objects in R2, served over git's dumb HTTP protocol. */
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { archiveAgentProfile, archiveMessage, claimPaths, coordinatorFor, recentArchiveCommits, releaseClaims, repairArchive } from "../../src/coordinator";
import { archiveMessageFixture as message, listArchiveTree as listTree, readArchiveText as text } from "./archive-objects";
import { createDb } from "../../src/db";
import { ensureProject } from "../../src/mail";

const TOKEN = "test-token";
let counter = 0;

async function newProject() {
  return ensureProject(createDb(env.DB), `/work/archive-test-${Date.now()}-${++counter}`);
}

async function sha1Of(text: string): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function headCommit(slug: string): Promise<{ oid: string; tree: string; parent?: string; message: string }> {
  const refs = await SELF.fetch(`http://127.0.0.1/archive/${slug}.git/info/refs`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(refs.status).toBe(200);
  const [oid] = (await refs.text()).split("\t");
  return readCommit(slug, oid!);
}

async function readCommit(slug: string, oid: string): Promise<{ oid: string; tree: string; parent?: string; message: string }> {
  const [headers, ...rest] = (await text(slug, oid)).split("\n\n");
  return {
    oid,
    tree: /^tree (\w+)/m.exec(headers!)![1]!,
    parent: /^parent (\w+)/m.exec(headers!)?.[1],
    message: rest.join("\n\n"),
  };
}

describe("archiveMessage", () => {
  it("commits canonical, outbox and inbox copies in one commit; bcc appears only in the sender's copy", async () => {
    const project = await newProject();
    const outcome = await archiveMessage(env, message(project, 7, { to: ["BlueLake"], cc: ["RedFox"], bcc: ["SilentOwl"] }));
    expect(outcome).toMatchObject({ key: "message:7", outcome: "queued" });
    const head = await headCommit(project.slug);
    expect(head.oid).toBe(outcome!.commit);
    expect(head.message).toContain("mail: GreenCastle -> BlueLake, RedFox | Subject 7");
    expect(head.message).not.toContain("SilentOwl");
    const files = await listTree(project.slug, head.tree);
    expect([...files.keys()].sort()).toEqual([
      "agents/BlueLake/inbox/2026/11/7.md",
      "agents/GreenCastle/outbox/2026/11/7.md",
      "agents/RedFox/inbox/2026/11/7.md",
      "agents/SilentOwl/inbox/2026/11/7.md",
      "messages/2026/11/7.md",
    ]);
    const canonical = await text(project.slug, files.get("messages/2026/11/7.md")!);
    expect(canonical.startsWith("---json\n{")).toBe(true);
    expect(JSON.parse(canonical.split("\n---\n")[0]!.slice("---json\n".length))).toMatchObject({ id: 7, to: ["BlueLake"], cc: ["RedFox"] });
    for (const path of files.keys()) {
      const copy = await text(project.slug, files.get(path)!);
      expect(copy.includes("SilentOwl"), path).toBe(path.includes("/outbox/"));
    }
  });

  it("is idempotent by message id: a second call makes no new commit", async () => {
    const project = await newProject();
    const first = await archiveMessage(env, message(project, 1));
    const second = await archiveMessage(env, message(project, 1, { subject: "changed" }));
    expect(second).toMatchObject({ outcome: "already-committed", commit: first!.commit });
    expect((await headCommit(project.slug)).oid).toBe(first!.commit);
  });

  it("chains commits: each new message's commit has the previous head as parent and keeps earlier files", async () => {
    const project = await newProject();
    const a = await archiveMessage(env, message(project, 1));
    await archiveMessage(env, message(project, 2, { created_ts: "2026-12-01T00:00:00.000Z" }));
    const head = await headCommit(project.slug);
    expect(head.parent).toBe(a!.commit);
    const files = await listTree(project.slug, head.tree);
    expect(files.has("messages/2026/11/1.md")).toBe(true);
    expect(files.has("messages/2026/12/2.md")).toBe(true);
  });

  it("group-commits messages queued behind a commit in flight: fewer commits, every message in the tree and named in the log", async () => {
    const project = await newProject();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => archiveMessage(env, message(project, i + 1, { subject: `burst ${i + 1}` }))));
    const commits = new Set(outcomes.map((o) => o!.commit));
    expect(commits.size).toBeGreaterThan(1);
    expect(commits.size).toBeLessThan(20);
    const head = await headCommit(project.slug);
    const files = await listTree(project.slug, head.tree);
    for (let id = 1; id <= 20; id++) expect(files.has(`messages/2026/11/${id}.md`)).toBe(true);
    const messages: string[] = [];
    for (let oid: string | undefined = head.oid; oid; ) {
      const commit = await readCommit(project.slug, oid);
      messages.push(commit.message);
      oid = commit.parent;
    }
    expect(messages).toHaveLength(commits.size);
    expect(messages.some((m) => /^archive: \d+ writes \(\d+ mail\)\n\n/.test(m))).toBe(true);
    const log = messages.join("\n");
    for (let id = 1; id <= 20; id++) expect(log).toContain(`| burst ${id}`);
    // The dashboard's log is the coordinator's record of the same commits, newest first.
    const recent = await recentArchiveCommits(env, project, 50);
    expect(recent.head).toBe(head.oid);
    expect(recent.commits.map((c) => c.message)).toEqual(messages.map((m) => m.trim()));
    expect(recent.commits[0]).toMatchObject({ oid: head.oid, author: "Pigeonhole", committed_ts: "2026-11-23T09:00:00.000Z" });
  });
});

describe("archive jobs", () => {
  it("commits claims as claims/<sha1(pattern)>.json, coalescing a burst of claim calls into one commit", async () => {
    const project = await newProject();
    const agent = { id: 1, name: "GreenCastle" };
    await claimPaths(env, project, agent, ["src/**"], { reason: "refactor" });
    await releaseClaims(env, project, agent);
    await coordinatorFor(env, project).flushArchive(project.slug);
    const head = await headCommit(project.slug);
    expect(head.message).toMatch(/^archive: 2 writes \(2 claim\)\n\nclaim: claim GreenCastle src\/\*\*\nclaim: release GreenCastle src\/\*\*/);
    const files = await listTree(project.slug, head.tree);
    const doc = JSON.parse(await text(project.slug, files.get(`claims/${await sha1Of("src/**")}.json`)!));
    expect(doc.claims[0]).toMatchObject({ agent: "GreenCastle", reason: "refactor", release_reason: "released" });
    // Claims jobs are queued once and never asked about again: no done-marker outlives their commit.
    const markers = await runInDurableObject(coordinatorFor(env, project), (_, state) =>
      state.storage.sql.exec<{ key: string }>(`SELECT key FROM archive_done`).toArray().map((r) => r.key),
    );
    expect(markers.filter((key) => key.startsWith("claims:"))).toEqual([]);
  });

  it("a coalesced claims commit lists every claim of the pattern: both holders, the released one marked", async () => {
    const project = await newProject();
    const [green, blue] = [{ id: 1, name: "GreenCastle" }, { id: 2, name: "BlueLake" }];
    await claimPaths(env, project, green, ["docs/**"], { exclusive: false, reason: "typos" });
    await releaseClaims(env, project, green);
    await claimPaths(env, project, blue, ["docs/**", "README.md"], { exclusive: false, reason: "rewrite" });
    await coordinatorFor(env, project).flushArchive(project.slug);
    const head = await headCommit(project.slug);
    expect(head.message).toMatch(/^archive: 3 writes \(3 claim\)/);
    const files = await listTree(project.slug, head.tree);
    const doc = JSON.parse(await text(project.slug, files.get(`claims/${await sha1Of("docs/**")}.json`)!));
    expect(doc.path_pattern).toBe("docs/**");
    expect(doc.claims.map((c: { agent: string; release_reason: string | null }) => [c.agent, c.release_reason])).toEqual([
      ["GreenCastle", "released"],
      ["BlueLake", null],
    ]);
    expect(doc.claims[0]).not.toHaveProperty("agent_id");
    const readme = JSON.parse(await text(project.slug, files.get(`claims/${await sha1Of("README.md")}.json`)!));
    expect(readme.claims).toEqual([expect.objectContaining({ agent: "BlueLake", reason: "rewrite", released_ts: null })]);
  });

  it("commits a claims job queued by an earlier version, whose file content is inline", async () => {
    const project = await newProject();
    const stub = coordinatorFor(env, project);
    await claimPaths(env, project, { id: 1, name: "GreenCastle" }, ["lib/**"]);
    await stub.flushArchive(project.slug);
    const inline = `${JSON.stringify({ path_pattern: "old/**", claims: [{ id: 99, agent: "OldFox" }] }, null, 2)}\n`;
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec(
        `INSERT INTO archive_jobs (key, payload) VALUES ('claims:claim:1:legacy', ?)`,
        JSON.stringify({ message: "claim: claim OldFox old/**", time: "2026-11-23T10:00:00.000Z", files: [{ claimPattern: "old/**", content: inline }] }),
      );
    });
    await stub.flushArchive(project.slug);
    const files = await listTree(project.slug, (await headCommit(project.slug)).tree);
    expect(await text(project.slug, files.get(`claims/${await sha1Of("old/**")}.json`)!)).toBe(inline);
  });

  it("writes agent profiles and skips a commit when nothing changed", async () => {
    const project = await newProject();
    const profile = { name: "GreenCastle", program: "claude-code", model: "opus", task_description: "", inception_ts: "2026-11-23T09:00:00.000Z", last_active_ts: "2026-11-23T09:00:00.000Z" };
    const first = await archiveAgentProfile(env, project, profile);
    const second = await archiveAgentProfile(env, project, profile);
    expect(second).toMatchObject({ outcome: "already-committed", commit: first!.commit });
    const files = await listTree(project.slug, (await headCommit(project.slug)).tree);
    expect(JSON.parse(await text(project.slug, files.get("agents/GreenCastle/profile.json")!))).toEqual(profile);
  });

  it("the alarm retries a job left in the outbox", async () => {
    const project = await newProject();
    const stub = coordinatorFor(env, project);
    await archiveMessage(env, message(project, 1));
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec(
        `INSERT INTO archive_jobs (key, payload) VALUES ('message:2', ?)`,
        JSON.stringify({ message: "mail: left over", time: "2026-11-23T10:00:00.000Z", files: [{ path: "messages/2026/11/2.md", content: "x\n" }] }),
      );
      return state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.archiveHead()).toMatchObject({ pending: 0 });
    expect((await headCommit(project.slug)).message).toContain("mail: left over");
  });

  it("repair re-derives the messages the archive is missing", async () => {
    const project = await newProject();
    await archiveMessage(env, message(project, 1));
    const stub = coordinatorFor(env, project);
    const commitsBefore = (await stub.archiveLog(10)).length;
    const inD1 = [1, 2, 3, 4, 5].map((id) => message(project, id));
    const report = await repairArchive(env, project, async (afterId, limit) => inD1.filter((m) => m.id > afterId).slice(0, limit));
    expect(report).toMatchObject({ checked: 5, repaired: [2, 3, 4, 5], pending: 0 });
    expect(await stub.archivedMessageIds([1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4, 5]);
    // The gaps are committed together, not one commit per message.
    expect((await stub.archiveLog(10)).length).toBe(commitsBefore + 1);
  });
});

describe("GET /archive/<slug>.git", () => {
  const basic = (password: string) => `Basic ${btoa(`git:${password}`)}`;

  it("asks for credentials with a Basic challenge (401) so git sends the token", async () => {
    const project = await newProject();
    const res = await SELF.fetch(`http://127.0.0.1/archive/${project.slug}.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Basic /);
  });

  it("accepts the token as a Basic password and answers the smart probe as plain text (dumb protocol)", async () => {
    const project = await newProject();
    await archiveMessage(env, message(project, 1));
    const res = await SELF.fetch(`http://127.0.0.1/archive/${project.slug}.git/info/refs?service=git-upload-pack`, {
      headers: { Authorization: basic(TOKEN) },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(/^[0-9a-f]{40}\trefs\/heads\/main\n$/);
    const head = await SELF.fetch(`http://127.0.0.1/archive/${project.slug}.git/HEAD`, { headers: { Authorization: basic(TOKEN) } });
    expect(await head.text()).toBe("ref: refs/heads/main\n");
  });

  it("rejects a wrong Basic password with 401 and an unknown project with 404", async () => {
    const project = await newProject();
    const wrong = await SELF.fetch(`http://127.0.0.1/archive/${project.slug}.git/HEAD`, { headers: { Authorization: basic("nope") } });
    expect(wrong.status).toBe(401);
    const unknown = await SELF.fetch(`http://127.0.0.1/archive/no-such-project.git/HEAD`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { type: string } }).error.type).toBe("NOT_FOUND");
  });
});
