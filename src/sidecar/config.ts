/**
 * Sidecar settings from the environment, checked at start so a bad value fails loudly by name.
 * - SIDECAR_SHARED_SECRET (required, ≥ 16 chars): the Worker sends it on every call.
 * - SIDECAR_PORT (default 8788; the container image sets 8080, where SidecarContainer forwards).
 * - SIDECAR_LISTEN_ALL=true binds 0.0.0.0: only inside the container, whose port is reachable solely
 *   through its Durable Object. Everywhere else the sidecar listens on 127.0.0.1.
 * - SIDECAR_ALLOW_PRIVATE_HOSTS=true lets IMAP hosts resolve to loopback/private addresses (dev, tests).
 * - SIDECAR_CLASSIFY_THREADS: worker threads classifying synced mail (0 = on the main thread; default
 *   cores − 1, so 0 on a single core).
 */
export const DEFAULT_PORT = 8788;

export interface SidecarConfig {
  port: number;
  host: string;
  sharedSecret: string;
  allowPrivateHosts: boolean;
  classifyThreads?: number;
}

export function readConfig(env: NodeJS.ProcessEnv): SidecarConfig {
  const sharedSecret = env.SIDECAR_SHARED_SECRET ?? "";
  if (sharedSecret.length < 16) throw new Error("SIDECAR_SHARED_SECRET must be set to at least 16 characters");
  const port = env.SIDECAR_PORT === undefined || env.SIDECAR_PORT === "" ? DEFAULT_PORT : Number(env.SIDECAR_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error("SIDECAR_PORT must be a port number");
  const threads = env.SIDECAR_CLASSIFY_THREADS ? Number(env.SIDECAR_CLASSIFY_THREADS) : undefined;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 64)) {
    throw new Error("SIDECAR_CLASSIFY_THREADS must be an integer from 0 to 64");
  }
  return {
    ...(threads !== undefined ? { classifyThreads: threads } : {}),
    port,
    host: env.SIDECAR_LISTEN_ALL === "true" ? "0.0.0.0" : "127.0.0.1",
    sharedSecret,
    allowPrivateHosts: env.SIDECAR_ALLOW_PRIVATE_HOSTS === "true",
  };
}
