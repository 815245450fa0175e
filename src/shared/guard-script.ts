/**
 * The pre-commit guard's files, as text: used by the `pigeonhole guard` CLI (which writes them) and by the
 * install_precommit_guard tool (which returns them, since the server cannot write into the caller's repo).
 *
 * Installed layout in the hooks directory (`git rev-parse --git-path hooks`, so core.hooksPath is honoured):
 *   pre-commit                    our POSIX-sh wrapper (carries GUARD_MARKER); runs the check, then the original
 *   pre-commit.pigeonhole-orig    the hook that was there before, moved aside and still run (never clobbered)
 *   pigeonhole-guard.mjs          the check (Node ≥ 18, no dependencies)
 * and the repository's local git config section `pigeonhole` (url, project, optional token).
 *
 * At commit time the check sends every staged path (both sides of renames and copies) to check_claims over
 * /mcp and fails the commit when another agent holds an exclusive claim on one of them.
 * Environment: AGENT_NAME (who is committing), PIGEONHOLE_GUARD_MODE=warn (report, never block),
 * PIGEONHOLE_GUARD_BYPASS=1 (skip; `git commit --no-verify` also skips), PIGEONHOLE_URL / PIGEONHOLE_PROJECT /
 * PIGEONHOLE_TOKEN (override the git config). An unreachable server or any unclear answer warns and allows.
 */

/** Identifies files we wrote; uninstall removes only files that carry it. */
export const GUARD_MARKER = "managed-by: pigeonhole guard";

export const GUARD_HOOK_NAME = "pre-commit";
export const GUARD_ORIGINAL_SUFFIX = ".pigeonhole-orig";
export const GUARD_CHECK_FILE = "pigeonhole-guard.mjs";

/** git config keys (in the repository's own .git/config) the guard reads. */
export const GUARD_CONFIG = { url: "pigeonhole.url", project: "pigeonhole.project", token: "pigeonhole.token" } as const;

export function guardWrapperScript(): string {
  return `#!/bin/sh
# ${GUARD_MARKER}: pre-commit hook installed by \`pigeonhole guard install\`; \`pigeonhole guard uninstall\` removes it.
# Blocks commits that touch paths another agent has claimed exclusively. Bypass: git commit --no-verify.
hooks_dir=$(dirname "$0")
if command -v node >/dev/null 2>&1; then
  node "$hooks_dir/${GUARD_CHECK_FILE}" || exit $?
else
  echo "pigeonhole guard: node not found on PATH; commit allowed without a claims check." >&2
fi
if [ -x "$hooks_dir/${GUARD_HOOK_NAME}${GUARD_ORIGINAL_SUFFIX}" ]; then
  exec "$hooks_dir/${GUARD_HOOK_NAME}${GUARD_ORIGINAL_SUFFIX}" "$@"
fi
exit 0
`;
}

export function guardCheckScript(): string {
  return `#!/usr/bin/env node
// ${GUARD_MARKER}: claims check run by the pre-commit hook. Installed by \`pigeonhole guard install\`.
import { execFileSync } from "node:child_process";

const TIMEOUT_MS = 5000;
const warn = (text) => process.stderr.write(\`pigeonhole guard: \${text}\\n\`);
const gitConfig = (key) => {
  try {
    return execFileSync("git", ["config", "--get", key], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
};

if (process.env.PIGEONHOLE_GUARD_BYPASS === "1") process.exit(0);
const warnOnly = ["warn", "advisory"].includes((process.env.PIGEONHOLE_GUARD_MODE ?? "").toLowerCase());
const url = (process.env.PIGEONHOLE_URL || gitConfig("${GUARD_CONFIG.url}")).replace(/\\/+$/, "");
const project = process.env.PIGEONHOLE_PROJECT || gitConfig("${GUARD_CONFIG.project}");
const token = process.env.PIGEONHOLE_TOKEN || gitConfig("${GUARD_CONFIG.token}");
const agent = process.env.AGENT_NAME ?? "";

// Staged paths with rename/copy detection: "R100\\0old\\0new\\0" lists both sides.
const fields = execFileSync("git", ["diff", "--cached", "--name-status", "-M", "-C", "-z"], { encoding: "utf8" }).split("\\0");
const paths = new Set();
for (let i = 0; i < fields.length - 1; ) {
  const status = fields[i++];
  const count = /^[RC]/.test(status) ? 2 : 1;
  for (let k = 0; k < count; k++) paths.add(fields[i++]);
}
if (paths.size === 0) process.exit(0);
if (!url || !project) {
  warn("no server configured (run pigeonhole guard install --url URL); commit allowed without a claims check.");
  process.exit(0);
}
if (!agent) warn("AGENT_NAME is not set; checking as an unnamed committer, so every exclusive claim counts.");

let answer;
try {
  const response = await fetch(\`\${url}/mcp\`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token ? { authorization: \`Bearer \${token}\` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "check_claims", arguments: { project_key: project, agent_name: agent, paths: [...paths] } },
    }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(\`HTTP \${response.status}\`);
  answer = (await response.json()).result;
} catch (err) {
  warn(\`server at \${url} unreachable (\${err?.message ?? err}); commit allowed without a claims check.\`);
  process.exit(0);
}
if (!answer || answer.isError) {
  warn(\`check_claims failed (\${answer?.content?.[0]?.text ?? "no result"}); commit allowed without a claims check.\`);
  process.exit(0);
}
const { conflicts = [], blocking = false } = answer.structuredContent ?? {};
if (!blocking) process.exit(0);
const lines = conflicts.slice(0, 10).map((c) => \`  - \${c.path} matches \${c.pattern} (holder: \${c.holder}, until \${c.expires_ts})\`);
if (conflicts.length > 10) lines.push(\`  … and \${conflicts.length - 10} more\`);
warn(\`staged paths are claimed exclusively by other agents:\\n\${lines.join("\\n")}\`);
if (warnOnly) {
  warn("PIGEONHOLE_GUARD_MODE=warn: commit allowed.");
  process.exit(0);
}
warn("commit blocked. Coordinate with the holder, wait for the claim to expire, or bypass with git commit --no-verify.");
process.exit(1);
`;
}

/** The shell command that installs the guard into a repository from a Pigeonhole checkout. */
export function guardInstallCommand(repoPath: string, baseUrl: string, projectKey: string): string {
  return `npx pigeonhole guard install --repo ${shellQuote(repoPath)} --url ${shellQuote(baseUrl)} --project ${shellQuote(projectKey)}`;
}

export function guardUninstallCommand(repoPath: string): string {
  return `npx pigeonhole guard uninstall --repo ${shellQuote(repoPath)}`;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
