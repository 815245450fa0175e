/**
 * Two projects share one run:
 *  - workers: unit + integration tests inside workerd (D1, DOs, Queues, R2 locally), with an SMTP sink
 *    and a dovecot IMAP server started on loopback by the global setup;
 *  - node: end-to-end tests against a real `wrangler dev` driven by the MCP SDK client over HTTP, plus
 *    tests of Node-only parts (sidecar, CLI, rig).
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations("./migrations");

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
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          setupFiles: ["./test/workers/apply-migrations.ts"],
          globalSetup: ["./test/support/global-mail-servers.ts", "./test/support/global-jwks.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          globalSetup: ["./test/support/global-mail-servers.ts", "./test/support/global-worker.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
