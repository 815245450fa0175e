/** The pre-commit guard in a real git repository, installed and removed by the real `pigeonhole` CLI. */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, openAgents } from "../support/mail";
import { callOk, connectMcp } from "../support/mcp";

const CLI = resolve("bin/pigeonhole.mjs");
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function newRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "pigeonhole-guard-"));
  dirs.push(dir);
  for (const args of [["init", "-q", "-b", "main"], ["config", "user.name", "Test"], ["config", "user.email", "t@example.com"]]) {
    expect(run("git", args, dir).status).toBe(0);
  }
  return dir;
}

function commit(repo: string, file: string, env: Record<string, string> = {}, extra: string[] = []) {
  writeFileSync(join(repo, file), `${Date.now()}\n`);
  run("git", ["add", file], repo);
  return run("git", ["commit", "-q", "-m", `touch ${file}`, ...extra], repo, env);
}

const guard = (repo: string, ...args: string[]) => run("node", [CLI, "guard", ...args, "--repo", repo], repo);

describe("pigeonhole guard install/uninstall", () => {
  it("chains an existing pre-commit hook and uninstall puts it back, removing only what install added", async () => {
    const repo = newRepo();
    const hook = join(repo, ".git/hooks/pre-commit");
    writeFileSync(hook, `#!/bin/sh\necho ran >> "${repo}/.git/original-ran"\n`);
    chmodSync(hook, 0o755);
    writeFileSync(join(repo, ".git/hooks/post-commit"), "#!/bin/sh\n");

    const installed = guard(repo, "install", "--url", "http://127.0.0.1:9");
    expect(installed.status).toBe(0);
    expect(installed.stdout).toContain("chained existing hook");
    expect(readFileSync(hook, "utf8")).toContain("managed-by: pigeonhole guard");
    expect(commit(repo, "a.txt", { AGENT_NAME: "GreenCastle" }).status).toBe(0);
    expect(readFileSync(join(repo, ".git/original-ran"), "utf8")).toBe("ran\n");

    expect(guard(repo, "install", "--url", "http://127.0.0.1:9").status).toBe(0); // idempotent: original stays chained once
    expect(existsSync(`${hook}.pigeonhole-orig`)).toBe(true);

    const removed = guard(repo, "uninstall");
    expect(removed.status).toBe(0);
    expect(readFileSync(hook, "utf8")).toContain("original-ran");
    expect(existsSync(`${hook}.pigeonhole-orig`)).toBe(false);
    expect(existsSync(join(repo, ".git/hooks/pigeonhole-guard.mjs"))).toBe(false);
    expect(existsSync(join(repo, ".git/hooks/post-commit"))).toBe(true);
    expect(run("git", ["config", "--get", "pigeonhole.url"], repo).status).toBe(1);
  });

  it("honours core.hooksPath", () => {
    const repo = newRepo();
    run("git", ["config", "core.hooksPath", ".githooks"], repo);
    expect(guard(repo, "install").status).toBe(0);
    expect(existsSync(join(repo, ".githooks/pre-commit"))).toBe(true);
  });

  it("warns and allows the commit when the server is unreachable", () => {
    const repo = newRepo();
    guard(repo, "install", "--url", "http://127.0.0.1:9");
    const result = commit(repo, "b.txt", { AGENT_NAME: "GreenCastle" });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("unreachable");
    expect(result.stderr).toContain("commit allowed");
  });

  it("fails with a clear message outside a git repository", () => {
    const dir = mkdtempSync(join(tmpdir(), "pigeonhole-not-a-repo-"));
    dirs.push(dir);
    const result = guard(dir, "install");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("git rev-parse --show-toplevel failed");
  });
});

describe("the guard against a running server", () => {
  const { url, token } = inject("worker");
  let client: Client;

  beforeAll(async () => {
    client = await connectMcp(url, token);
  });
  afterAll(async () => {
    await client.close();
  });

  async function guardedRepo() {
    const project = await freshProject(client, "guard");
    const [holder, committer] = await openAgents(client, project, 2);
    await callOk(client, "claim_paths", {
      project_key: project,
      agent_name: holder!.name,
      registration_token: holder!.token,
      paths: ["src/**"],
      reason: "refactor",
    });
    const repo = newRepo();
    expect(run("node", [CLI, "guard", "install", "--repo", repo, "--url", url, "--project", project, "--token", token], repo).status).toBe(0);
    return { repo, holder: holder!, committer: committer! };
  }

  it("blocks a commit touching another agent's exclusive claim and names the holder", async () => {
    const { repo, holder, committer } = await guardedRepo();
    run("mkdir", ["-p", "src"], repo);
    const result = commit(repo, "src/app.ts", { AGENT_NAME: committer.name });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`src/app.ts matches src/** (holder: ${holder.name}`);
    expect(result.stderr).toContain("--no-verify");
    expect(run("git", ["rev-parse", "--verify", "HEAD"], repo).status).not.toBe(0);
  });

  it("lets the holder commit, allows unclaimed paths, warns only in warn mode, and is bypassed by --no-verify", async () => {
    const { repo, holder, committer } = await guardedRepo();
    run("mkdir", ["-p", "src"], repo);
    expect(commit(repo, "src/mine.ts", { AGENT_NAME: holder.name }).status).toBe(0);
    expect(commit(repo, "README.md", { AGENT_NAME: committer.name }).status).toBe(0);
    const warned = commit(repo, "src/a.ts", { AGENT_NAME: committer.name, PIGEONHOLE_GUARD_MODE: "warn" });
    expect(warned.status).toBe(0);
    expect(warned.stderr).toContain("commit allowed");
    expect(commit(repo, "src/b.ts", { AGENT_NAME: committer.name }, ["--no-verify"]).status).toBe(0);
  });

  it("checks both sides of a rename: moving a claimed file out of src/ is blocked", async () => {
    const { repo, holder, committer } = await guardedRepo();
    run("mkdir", ["-p", "src", "lib"], repo);
    expect(commit(repo, "src/moved.ts", { AGENT_NAME: holder.name }).status).toBe(0);
    run("git", ["mv", "src/moved.ts", "lib/moved.ts"], repo);
    const result = run("git", ["commit", "-q", "-m", "move"], repo, { AGENT_NAME: committer.name });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("src/moved.ts matches src/**");
  });
});
