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

  it("clones a packed archive, then one with packs plus newer loose objects; git fsck and verify-pack accept the packs", async () => {
    const project = await freshProject(client, "archive-packs");
    const [alpha, beta] = await openAgents(client, project, 2);
    for (let i = 1; i <= 30; i++) await send(client, project, alpha!, { to: [beta!.name], subject: `packed ${i}`, body_md: `Body ${i}` });
    // Repair packs the loose objects once at least 64 are loose (30 messages are ≈ 480 objects).
    const repaired = await callOk<{ head: string; clone_url: string }>(client, "repair_archive", { project_key: project });
    const header = `http.extraHeader=Authorization: Bearer ${token}`;
    const packs = await fetch(`${repaired.clone_url}/objects/info/packs`, { headers: { authorization: `Bearer ${token}` } });
    expect(packs.status).toBe(200);
    const listed = (await packs.text()).split("\n").filter(Boolean);
    expect(listed.length).toBeGreaterThan(0);
    for (const line of listed) expect(line).toMatch(/^P pack-[0-9a-f]{40}\.pack$/);

    const packed = join(tempDir(), "packed");
    git(["-c", header, "clone", "-q", repaired.clone_url, packed]);
    expect(git(["rev-parse", "HEAD"], packed).trim()).toBe(repaired.head);
    git(["fsck", "--strict", "--no-dangling"], packed);
    const counts = (dir: string) =>
      Object.fromEntries(git(["count-objects", "-v"], dir).trim().split("\n").map((l) => l.split(": ")).map(([k, v]) => [k, Number(v)]));
    expect(counts(packed)).toMatchObject({ count: 0, packs: listed.length });
    const packDir = join(packed, ".git", "objects", "pack");
    for (const idx of readdirSync(packDir).filter((f) => f.endsWith(".idx"))) git(["verify-pack", join(packDir, idx)]);
    let subjects = git(["log", "--format=%B"], packed);
    for (let i = 1; i <= 30; i++) expect(subjects).toMatch(new RegExp(`\\| packed ${i}(?!\\d)`));

    // Two more messages (≈ 32 objects) stay loose after repair: the clone mixes packs and loose objects.
    for (let i = 1; i <= 2; i++) await send(client, project, beta!, { to: [alpha!.name], subject: `loose ${i}`, body_md: `Late ${i}` });
    const later = await callOk<{ head: string }>(client, "repair_archive", { project_key: project });
    const mixed = join(tempDir(), "mixed");
    git(["-c", header, "clone", "-q", repaired.clone_url, mixed]);
    expect(git(["rev-parse", "HEAD"], mixed).trim()).toBe(later.head);
    git(["fsck", "--strict", "--no-dangling"], mixed);
    expect(counts(mixed).count).toBeGreaterThan(0);
    expect(counts(mixed).packs).toBe(listed.length);
    subjects = git(["log", "--format=%B"], mixed);
    for (let i = 1; i <= 30; i++) expect(subjects).toMatch(new RegExp(`\\| packed ${i}(?!\\d)`));
    for (let i = 1; i <= 2; i++) expect(subjects).toMatch(new RegExp(`\\| loose ${i}(?!\\d)`));
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
