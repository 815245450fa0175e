/**
 * `pigeonhole guard install|uninstall`: writes (or removes) the pre-commit claims guard in a git repository.
 * An existing pre-commit hook is moved aside and chained, never overwritten; uninstall removes only files that
 * carry our marker and puts the original back. The hook files themselves come from src/shared/guard-script.ts.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import {
  GUARD_CHECK_FILE,
  GUARD_CONFIG,
  GUARD_HOOK_NAME,
  GUARD_MARKER,
  GUARD_ORIGINAL_SUFFIX,
  guardCheckScript,
  guardWrapperScript,
} from "../shared/guard-script";
import { CliError, type CliCommand } from "./command";

/** Where the server runs when neither --url nor PIGEONHOLE_URL says otherwise (scripts/dev.sh's default). */
const DEFAULT_URL = "http://127.0.0.1:8787";

export interface GuardInstallOptions {
  repo: string;
  url?: string | undefined;
  project?: string | undefined;
  token?: string | undefined;
}

export interface GuardInstallReport {
  hooks_dir: string;
  hook: string;
  chained_original: string | null;
  url: string;
  project: string;
}

function git(repo: string, args: string[]): string {
  try {
    return execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new CliError(`git ${args.join(" ")} failed in ${repo}: ${stderr || (err as Error).message}`);
  }
}

function hooksDirOf(repo: string): string {
  git(repo, ["rev-parse", "--show-toplevel"]);
  const dir = git(repo, ["rev-parse", "--git-path", "hooks"]);
  return isAbsolute(dir) ? dir : resolve(repo, dir);
}

function isOurs(path: string): boolean {
  return existsSync(path) && readFileSync(path, "utf8").includes(GUARD_MARKER);
}

export function installGuard(options: GuardInstallOptions): GuardInstallReport {
  const repo = resolve(options.repo);
  const hooksDir = hooksDirOf(repo);
  const hook = join(hooksDir, GUARD_HOOK_NAME);
  const original = hook + GUARD_ORIGINAL_SUFFIX;
  mkdirSync(hooksDir, { recursive: true });
  let chained: string | null = existsSync(original) ? original : null;
  if (existsSync(hook) && !isOurs(hook)) {
    if (chained) {
      throw new CliError(`${hook} and ${original} both exist and neither is ours; merge them by hand, then install again.`);
    }
    renameSync(hook, original);
    chained = original;
  }
  writeFileSync(hook, guardWrapperScript());
  chmodSync(hook, 0o755);
  const check = join(hooksDir, GUARD_CHECK_FILE);
  writeFileSync(check, guardCheckScript());
  chmodSync(check, 0o755);
  const url = (options.url ?? process.env.PIGEONHOLE_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  const project = options.project ?? git(repo, ["rev-parse", "--show-toplevel"]);
  git(repo, ["config", "--local", GUARD_CONFIG.url, url]);
  git(repo, ["config", "--local", GUARD_CONFIG.project, project]);
  if (options.token) git(repo, ["config", "--local", GUARD_CONFIG.token, options.token]);
  return { hooks_dir: hooksDir, hook, chained_original: chained, url, project };
}

export interface GuardUninstallReport {
  removed: string[];
  restored_original: boolean;
}

export function uninstallGuard(repoPath: string): GuardUninstallReport {
  const repo = resolve(repoPath);
  const hooksDir = hooksDirOf(repo);
  const hook = join(hooksDir, GUARD_HOOK_NAME);
  const original = hook + GUARD_ORIGINAL_SUFFIX;
  const removed: string[] = [];
  let restored = false;
  if (isOurs(hook)) {
    rmSync(hook);
    removed.push(hook);
    if (existsSync(original)) {
      renameSync(original, hook);
      restored = true;
    }
  }
  const check = join(hooksDir, GUARD_CHECK_FILE);
  if (isOurs(check)) {
    rmSync(check);
    removed.push(check);
  }
  try {
    execFileSync("git", ["-C", repo, "config", "--local", "--remove-section", "pigeonhole"], { stdio: "ignore" });
    removed.push("git config section pigeonhole");
  } catch {
    // No section: nothing of ours to remove.
  }
  return { removed, restored_original: restored };
}

const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);

export const GUARD_COMMANDS: CliCommand[] = [
  {
    path: ["guard", "install"],
    summary: "install the pre-commit claims guard into a git repository",
    usage:
      "Usage: pigeonhole guard install [--repo PATH] [--url URL] [--project KEY] [--token TOKEN]\n" +
      "  --repo     repository to guard (default: current directory)\n" +
      `  --url      Pigeonhole base URL (default: $PIGEONHOLE_URL or ${DEFAULT_URL})\n` +
      "  --project  project key (default: the repository's absolute path)\n" +
      "  --token    bearer token stored in the repo's local git config (default: read $PIGEONHOLE_TOKEN at commit time)\n" +
      "At commit time set AGENT_NAME; PIGEONHOLE_GUARD_MODE=warn reports without blocking; git commit --no-verify bypasses.",
    options: { repo: { type: "string" }, url: { type: "string" }, project: { type: "string" }, token: { type: "string" } },
    async run(values) {
      const report = installGuard({
        repo: str(values.repo) ?? process.cwd(),
        url: str(values.url),
        project: str(values.project),
        token: str(values.token),
      });
      process.stdout.write(
        `pigeonhole guard installed: ${report.hook}\n` +
          (report.chained_original ? `  chained existing hook: ${report.chained_original}\n` : "") +
          `  server: ${report.url}  project: ${report.project}\n`,
      );
      return 0;
    },
  },
  {
    path: ["guard", "uninstall"],
    summary: "remove the pre-commit claims guard (only what install added)",
    usage: "Usage: pigeonhole guard uninstall [--repo PATH]",
    options: { repo: { type: "string" } },
    async run(values) {
      const report = uninstallGuard(str(values.repo) ?? process.cwd());
      process.stdout.write(
        report.removed.length === 0
          ? "pigeonhole guard: nothing to remove.\n"
          : `pigeonhole guard removed:\n${report.removed.map((r) => `  ${r}`).join("\n")}\n` +
              (report.restored_original ? "  (the original pre-commit hook is back in place)\n" : ""),
      );
      return 0;
    },
  },
];
