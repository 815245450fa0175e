/** OAuth storage housekeeping: the cron sweep over OAUTH_KV. */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";

const CURSOR_KEY = "pigeonhole:oauth-purge-cursor";

async function runCron(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("OAuth purge cron job", () => {
  it("finishes a sweep of a small namespace in one run and stores no cursor", async () => {
    await runCron();
    expect(await env.OAUTH_KV.get(CURSOR_KEY)).toBeNull();
  });

  it("restarts the sweep when the stored cursor is unreadable instead of failing every run", async () => {
    await env.OAUTH_KV.put(CURSOR_KEY, "not-a-cursor-the-library-wrote");
    await runCron();
    expect(await env.OAUTH_KV.get(CURSOR_KEY)).toBeNull();
  });
});
