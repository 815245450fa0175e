/** The Worker bundles and its configuration validates as a deploy would (no Docker here, so no image build). */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("wrangler deploy --dry-run", () => {
  it("bundles the Worker and lists every binding", async () => {
    const { stdout } = await run("npx", ["wrangler", "deploy", "--dry-run", "--containers-rollout=none", "--outdir", ".wrangler/dry-run"], {
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
    for (const binding of ["env.DB", "env.ARCHIVE", "env.PROJECT_COORDINATOR", "env.SEND_QUEUE", "env.TRACKING_EVENTS", "env.SENT_APPEND"]) {
      expect(stdout).toContain(binding);
    }
    expect(stdout).toContain("--dry-run: exiting now.");
  });
});
