/**
 * The project archive end to end: messages and claims sent over MCP to a running `wrangler dev` are committed by
 * the project's coordinator, and the real git client clones the archive over the dumb HTTP protocol.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, openAgents, send } from "../support/mail";
import { callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let client: Client;
const dirs: string[] = [];

beforeAll(async () => {
  client = await connectMcp(url, token);
});
afterAll(async () => {
  await client.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function git(args: string[], cwd?: string) {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pigeonhole-clone-"));
  dirs.push(dir);
  return dir;
}

describe("git clone of the project archive", () => {
  it("clones 50 messages and the claims with the real git client; git log shows them; bcc stays out of recipients' copies", async () => {
    const project = await freshProject(client, "archive");
    const [alpha, beta, gamma] = await openAgents(client, project, 3);
    for (let i = 1; i <= 50; i++) {
      const [from, to] = i % 2 === 1 ? [alpha!, beta!] : [beta!, alpha!];
      await send(client, project, from, { to: [to.name], bcc: i === 7 ? [gamma!.name] : [], subject: `msg ${i}`, body_md: `Body ${i}` });
    }
    await callOk(client, "claim_paths", { project_key: project, agent_name: alpha!.name, registration_token: alpha!.token, paths: ["src/**"], reason: "refactor" });
    // Sync point: repair commits whatever the background archive writes have not yet committed.
    const repaired = await callOk<{ checked: number; pending: number; head: string; clone_url: string }>(client, "repair_archive", { project_key: project });
    expect(repaired).toMatchObject({ checked: 50, pending: 0 });
    expect(repaired.clone_url).toBe(`${url}/archive/${project}.git`);

    const dir = join(tempDir(), "archive");
    git(["-c", `http.extraHeader=Authorization: Bearer ${token}`, "clone", "-q", repaired.clone_url, dir]);
    expect(git(["rev-parse", "HEAD"], dir).trim()).toBe(repaired.head);
    git(["fsck", "--strict", "--no-dangling"], dir);

    // A burst of writes may share a commit (group commit); every write still has its own line in the log.
    const lines = git(["log", "--format=%B"], dir).split("\n");
    for (let i = 1; i <= 50; i++) expect(lines.filter((l) => l.includes(`| msg ${i} |`) || l.endsWith(`| msg ${i}`))).toHaveLength(1);
    expect(lines.some((l) => l.startsWith(`claim: claim ${alpha!.name} src/**`))).toBe(true);
    expect(lines.filter((l) => l.startsWith("agent: profile"))).toHaveLength(3);

    const months = readdirSync(join(dir, "messages"), { recursive: true }).filter((p) => String(p).endsWith(".md"));
    expect(months).toHaveLength(50);
    expect(readdirSync(join(dir, "claims"))).toHaveLength(1);
    const bccMessage = readdirSync(join(dir, "agents", gamma!.name, "inbox"), { recursive: true }).find((p) => String(p).endsWith(".md"));
    expect(bccMessage).toBeDefined();
    const gammaCopy = readFileSync(join(dir, "agents", gamma!.name, "inbox", String(bccMessage)), "utf8");
    const betaCopy = readFileSync(join(dir, "agents", beta!.name, "inbox", String(bccMessage)), "utf8");
    const alphaCopy = readFileSync(join(dir, "agents", alpha!.name, "outbox", String(bccMessage)), "utf8");
    expect(gammaCopy).not.toContain(`"bcc"`);
    expect(betaCopy).not.toContain(gamma!.name);
    expect(alphaCopy).toContain(gamma!.name);
  });

  it("clones the packed archive, then again after more commits; git fsck and verify-pack accept every pack and nothing is loose", async () => {
    const project = await freshProject(client, "archive-packs");
    const [alpha, beta] = await openAgents(client, project, 2);
    for (let i = 1; i <= 30; i++) await send(client, project, alpha!, { to: [beta!.name], subject: `packed ${i}`, body_md: `Body ${i}` });
    const repaired = await callOk<{ head: string; clone_url: string }>(client, "repair_archive", { project_key: project });
    const header = `http.extraHeader=Authorization: Bearer ${token}`;
    const listedPacks = async () => {
      const packs = await fetch(`${repaired.clone_url}/objects/info/packs`, { headers: { authorization: `Bearer ${token}` } });
      expect(packs.status).toBe(200);
      const listed = (await packs.text()).split("\n").filter(Boolean);
      for (const line of listed) expect(line).toMatch(/^P pack-[0-9a-f]{40}\.pack$/);
      return listed;
    };
    const counts = (dir: string) =>
      Object.fromEntries(git(["count-objects", "-v"], dir).trim().split("\n").map((l) => l.split(": ")).map(([k, v]) => [k, Number(v)]));
    const cloneAndCheck = async (name: string, head: string): Promise<string> => {
      const listed = await listedPacks();
      expect(listed.length).toBeGreaterThan(0);
      const dir = join(tempDir(), name);
      git(["-c", header, "clone", "-q", repaired.clone_url, dir]);
      expect(git(["rev-parse", "HEAD"], dir).trim()).toBe(head);
      git(["fsck", "--strict", "--no-dangling"], dir);
      expect(counts(dir)).toMatchObject({ count: 0 });
      const packDir = join(dir, ".git", "objects", "pack");
      for (const idx of readdirSync(packDir).filter((f) => f.endsWith(".idx"))) git(["verify-pack", join(packDir, idx)]);
      return git(["log", "--format=%B"], dir);
    };
    let log = await cloneAndCheck("packed", repaired.head);
    for (let i = 1; i <= 30; i++) expect(log).toMatch(new RegExp(`\\| packed ${i}(?!\\d)`));

    for (let i = 1; i <= 2; i++) await send(client, project, beta!, { to: [alpha!.name], subject: `later ${i}`, body_md: `Late ${i}` });
    const later = await callOk<{ head: string }>(client, "repair_archive", { project_key: project });
    expect(later.head).not.toBe(repaired.head);
    log = await cloneAndCheck("later", later.head);
    for (let i = 1; i <= 30; i++) expect(log).toMatch(new RegExp(`\\| packed ${i}(?!\\d)`));
    for (let i = 1; i <= 2; i++) expect(log).toMatch(new RegExp(`\\| later ${i}(?!\\d)`));
  });

  it("accepts the token as a Basic password in the clone URL and refuses a clone without it", async () => {
    const project = await freshProject(client, "archive-basic");
    const [alpha, beta] = await openAgents(client, project, 2);
    await send(client, project, alpha!, { to: [beta!.name], subject: "basic auth", body_md: "hi" });
    await callOk(client, "repair_archive", { project_key: project });
    const withPassword = url.replace("http://", `http://git:${token}@`);
    const dir = join(tempDir(), "basic");
    git(["clone", "-q", `${withPassword}/archive/${project}.git`, dir]);
    expect(git(["log", "--format=%s"], dir)).toContain("| basic auth");
    const refused = spawnSync("git", ["clone", "-q", `${url}/archive/${project}.git`, join(tempDir(), "nope")], {
      encoding: "utf8",
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/Authentication failed|could not read Username|401/);
  });
});
