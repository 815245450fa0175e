/** Global setup for the node project: one `wrangler dev` shared by the end-to-end test files. */
import type { TestProject } from "vitest/node";
import { startWorker } from "./worker";

declare module "vitest" {
  interface ProvidedContext {
    worker: { url: string; token: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const worker = await startWorker();
  project.provide("worker", { url: worker.url, token: worker.token });
  return () => worker.stop();
}
