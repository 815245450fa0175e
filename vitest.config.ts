/**
 * Two projects share one run:
 *  - workers: unit + integration tests inside workerd (D1, DOs, Queues, R2 locally), with an SMTP sink
 *    and a dovecot IMAP server started on loopback by the global setup;
 *  - node: end-to-end tests against a real `wrangler dev` driven by the MCP SDK client over HTTP, plus
 *    tests of Node-only parts (sidecar, CLI, rig).
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { createServer } from "node:net";
import { defineConfig } from "vitest/config";

/** Must equal TEST_SIDECAR_SECRET in test/support/sidecar.ts (kept literal: the config imports no test code). */
const TEST_SIDECAR_SECRET = "test-sidecar-secret-0123456789";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const migrations = await readD1Migrations("./migrations");
// workerd bindings are fixed here, before global setups run: pick the workers project's sidecar port now.
process.env.PIGEONHOLE_SIDECAR_PORT ??= String(await freePort());

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: migrations,
                PIGEONHOLE_TOKEN: "test-token",
                ALLOW_PRIVATE_MAIL_HOSTS: "true",
                SESSION_SIGNING_KEY: "test-session-signing-key-0123456789abcdef",
                MAILBOX_ENCRYPTION_KEY: "dGVzdC1tYWlsYm94LWtleS0wMTIzNDU2Nzg5YWJjZGU",
                TRACKING_SIGNING_KEYS: "2:dGVzdC10cmFja2luZy1rZXktdHdvLTAxMjM0NTY3ODk,1:dGVzdC10cmFja2luZy1rZXktb25lLTAxMjM0NTY3ODk",
                SIDECAR_URL: `http://127.0.0.1:${process.env.PIGEONHOLE_SIDECAR_PORT}`,
                SIDECAR_SHARED_SECRET: TEST_SIDECAR_SECRET,
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["./test/workers/apply-migrations.ts"],
          globalSetup: ["./test/support/global-mail-servers.ts", "./test/support/global-jwks.ts", "./test/support/global-sidecar.ts"],
          testTimeout: 30_000,
          // scripts/soak.sh sets SOAK=1: the fault-injection tests then run their long version.
          provide: { soak: process.env.SOAK === "1" },
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          globalSetup: [
            "./test/support/global-mail-servers.ts",
            "./test/support/global-sidecar.ts",
            "./test/support/global-worker.ts",
          ],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          provide: { soak: process.env.SOAK === "1" },
        },
      },
    ],
  },
});
