/**
 * Runs the real Worker under `wrangler dev` on a free loopback port with its own persisted state
 * (local D1 with migrations applied, R2, Queues, DOs), so end-to-end tests exercise what users run.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, waitForPort } from "./ports";
import { TEST_SIDECAR_SECRET } from "./sidecar";

const run = promisify(execFile);

export interface RunningWorker {
  url: string;
  token: string;
  port: number;
  persistDir: string;
  logs(): string;
  stop(): Promise<void>;
}

export const TEST_TOKEN = "e2e-token-0123456789abcdef";

/** Token keys of every started worker, so end-to-end tests can mint tracking/unsubscribe URLs. */
export const E2E_TRACKING_SIGNING_KEYS = "1:ZTJlLXRyYWNraW5nLWtleS0wMTIzNDU2Nzg5YWJjZGU";

/**
 * Each instance gets its own dev registry: with the shared one, every other `wrangler dev` starting or stopping
 * on the machine makes this one reload, dropping in-flight requests ("other side closed").
 */
function wranglerEnv(persistDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_REGISTRY_PATH: join(persistDir, "dev-registry"),
    CI: "true",
    NO_COLOR: "1",
  };
}

export interface StartOptions {
  /** Runs after migrations and before the worker starts, e.g. to bulk-load the local D1 file. */
  beforeStart?: (persistDir: string) => void | Promise<void>;
}

export async function startWorker(vars: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningWorker> {
  const persistDir = mkdtempSync(join(tmpdir(), "pigeonhole-wrangler-"));
  const [port, inspectorPort] = [await freePort(), await freePort()];
  await run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], {
    env: wranglerEnv(persistDir),
  });
  await options.beforeStart?.(persistDir);
  const allVars: Record<string, string> = {
    PIGEONHOLE_TOKEN: TEST_TOKEN,
    ALLOW_PRIVATE_MAIL_HOSTS: "true",
    SESSION_SIGNING_KEY: "e2e-session-signing-key-0123456789abcdef",
    MAILBOX_ENCRYPTION_KEY: "ZTJlLW1haWxib3gta2V5LTAxMjM0NTY3ODlhYmNkZWY",
    TRACKING_SIGNING_KEYS: E2E_TRACKING_SIGNING_KEYS,
    SIDECAR_SHARED_SECRET: TEST_SIDECAR_SECRET,
    // The node project's global setup starts a sidecar before the worker; standalone callers pass SIDECAR_URL.
    ...(process.env.PIGEONHOLE_NODE_SIDECAR_URL ? { SIDECAR_URL: process.env.PIGEONHOLE_NODE_SIDECAR_URL } : {}),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ALLOWED_ORIGINS: `http://127.0.0.1:${port},http://localhost:${port}`,
    ...vars,
  };
  const args = [
    "wrangler", "dev",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", persistDir,
    "--show-interactive-dev-session=false",
    ...Object.entries(allVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const child: ChildProcess = spawn("npx", args, { env: wranglerEnv(persistDir), stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM"); // the whole group: npx, wrangler and workerd
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(persistDir, { recursive: true, force: true });
    // Kept for post-mortems of failed runs (CI uploads nothing, but the log is in the working tree).
    mkdirSync("test-artifacts", { recursive: true });
    writeFileSync(`test-artifacts/wrangler-dev-${port}.log`, output);
  };
  try {
    await Promise.race([
      (async () => {
        await waitForPort(port, 90_000);
        await waitForReady(`http://127.0.0.1:${port}/health/liveness`, 30_000);
      })(),
      exited.then(() => {
        throw new Error(`wrangler dev exited during start:\n${output}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    token: allVars.PIGEONHOLE_TOKEN!,
    port,
    persistDir,
    logs: () => output,
    stop,
  };
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} never answered 200`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
