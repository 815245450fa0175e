/**
 * Starts the IMAP sidecar as tests and scripts/dev.sh run it: `tsx src/sidecar/main.ts` on a free
 * loopback port with a shared secret, private hosts allowed (dovecot is on 127.0.0.1). Resolves once the
 * process prints its "listening" line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { freePort } from "./ports";

export interface RunningSidecar {
  url: string;
  secret: string;
  port: number;
  /** Everything the process printed (the secrets scan reads it). */
  logs(): string;
  /** Kills the process outright (SIGKILL): requests in flight die with it. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

export const TEST_SIDECAR_SECRET = "test-sidecar-secret-0123456789";

const ROOT = join(import.meta.dirname, "../..");

export async function startSidecar(
  options: { secret?: string; allowPrivateHosts?: boolean; port?: number; classifyThreads?: number } = {},
): Promise<RunningSidecar> {
  const port = options.port ?? (await freePort());
  const secret = options.secret ?? TEST_SIDECAR_SECRET;
  const child: ChildProcess = spawn(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "src/sidecar/main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      SIDECAR_PORT: String(port),
      SIDECAR_SHARED_SECRET: secret,
      SIDECAR_ALLOW_PRIVATE_HOSTS: options.allowPrivateHosts === false ? "false" : "true",
      SIDECAR_LISTEN_ALL: "false",
      ...(options.classifyThreads !== undefined ? { SIDECAR_CLASSIFY_THREADS: String(options.classifyThreads) } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: tsx runs the sidecar in a child process, and crash() must kill both.
    detached: true,
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('"sidecar listening"')) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    void exited.then(() => reject(new Error(`sidecar exited at start:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    secret,
    port,
    logs: () => output,
    crash: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, "SIGKILL");
        await exited;
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
