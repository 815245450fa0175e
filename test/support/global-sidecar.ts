/**
 * Global setup: one IMAP sidecar per test project. The workers project's port is chosen when
 * vitest.config.ts loads (PIGEONHOLE_SIDECAR_PORT), because workerd bindings are fixed before any setup
 * runs; the node project takes a free port and hands the URL to global-worker.ts (which runs after it).
 */
import type { TestProject } from "vitest/node";
import { startSidecar } from "./sidecar";

declare module "vitest" {
  interface ProvidedContext {
    sidecar: { url: string; secret: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fixed = project.name === "workers" ? Number(process.env.PIGEONHOLE_SIDECAR_PORT) : undefined;
  const sidecar = await startSidecar(fixed ? { port: fixed } : {});
  if (project.name !== "workers") process.env.PIGEONHOLE_NODE_SIDECAR_URL = sidecar.url;
  project.provide("sidecar", { url: sidecar.url, secret: sidecar.secret });
  return () => sidecar.stop();
}
