/**
 * A full run of both halves against dedicated servers with distinctive secrets, recording every HTTP
 * response body and header the clients see plus the Worker's and sidecar's logs; then none of the secrets
 * may appear anywhere. An agent's registration token may appear exactly once: in its creation response.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDovecot, type Dovecot } from "../support/dovecot";
import { startSidecar, type RunningSidecar } from "../support/sidecar";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink";
import { startWorker, type RunningWorker } from "../support/worker";

const unique = crypto.randomUUID().replace(/-/g, "");
const SECRETS = {
  deploymentToken: `deploy-token-${unique}`,
  smtpPassword: `smtp-pass-${unique}`,
  imapPassword: `imap-pass-${unique}`,
  wrongPassword: `wrong-pass-${unique}`,
  sidecarSecret: `sidecar-secret-${unique}`,
  mailboxKey: btoa(`mailbox-key-${unique}`.slice(0, 32)),
  trackingKey: btoa(`tracking-key-${unique}`.slice(0, 32)),
};

const recorded: string[] = [];
let sink: SmtpSink;
let dovecot: Dovecot;
let sidecar: RunningSidecar;
let worker: RunningWorker;
let client: Client;

/** fetch that keeps a copy of every response's headers and body. */
const recordingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
  const res = await fetch(input, init);
  const body = await res.clone().text();
  recorded.push(`${res.status} ${JSON.stringify([...res.headers])}\n${body}`);
  return res;
}) as typeof fetch;

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

async function ok<T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T> {
  const result = await call(name, args);
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
  return result.structuredContent as T;
}

beforeAll(async () => {
  sink = await startSmtpSink({ users: { "scan-user": SECRETS.smtpPassword } });
  dovecot = await startDovecot({ scan: SECRETS.imapPassword });
  sidecar = await startSidecar({ secret: SECRETS.sidecarSecret });
  worker = await startWorker({
    PIGEONHOLE_TOKEN: SECRETS.deploymentToken,
    SIDECAR_URL: sidecar.url,
    SIDECAR_SHARED_SECRET: SECRETS.sidecarSecret,
    MAILBOX_ENCRYPTION_KEY: SECRETS.mailboxKey,
    TRACKING_SIGNING_KEYS: `7:${SECRETS.trackingKey}`,
  });
  client = new McpClient({ name: "secrets-scan", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", worker.url), {
      requestInit: { headers: { Authorization: `Bearer ${SECRETS.deploymentToken}` } },
      fetch: recordingFetch,
    }),
  );
}, 180_000);

afterAll(async () => {
  await client?.close();
  await worker?.stop();
  await sidecar?.stop();
  await dovecot?.stop();
  await sink?.close();
});

describe("secrets never leave the server", () => {
  it("appear in no response, header or log of a full run", async () => {
    // Agent mail: identity, messages, resources, errors.
    const project = (await ok<{ slug: string }>("ensure_project", { human_key: `/scan/${unique}` })).slug;
    const alpha = await ok<{ name: string; registration_token: string }>("register_agent", { project_key: project, program: "codex", model: "gpt-5" });
    const beta = await ok<{ name: string; registration_token: string }>("register_agent", { project_key: project, program: "claude-code", model: "opus" });
    for (const agent of [alpha, beta]) {
      await ok("set_contact_policy", { project_key: project, agent_name: agent.name, policy: "open", registration_token: agent.registration_token });
    }
    await ok("send_message", { project_key: project, sender_name: alpha.name, sender_token: alpha.registration_token, to: [beta.name], subject: "scan", body_md: "hello" });
    await ok("fetch_inbox", { project_key: project, agent_name: beta.name, registration_token: beta.registration_token, include_bodies: true });
    await ok("whois", { project_key: project, agent_name: alpha.name });
    await ok("list_agents", { project_key: project });
    await ok("register_agent", { project_key: project, program: "codex", model: "gpt-5", name: alpha.name, registration_token: alpha.registration_token });
    await call("register_agent", { project_key: project, program: "codex", model: "gpt-5", name: alpha.name, registration_token: "wrong" });
    await client.readResource({ uri: `resource://inbox/${beta.name}?project=${project}&agent_token=${beta.registration_token}` });
    await client.readResource({ uri: `resource://agents/${project}` });
    await client.readResource({ uri: "resource://config/environment" });

    // Campaigns: a mailbox with passwords, verify right and wrong, render, send, status.
    const mailboxArgs = {
      name: "Scan", from_name: "Scan", from_email: "scan@scan.example", smtp_host: "127.0.0.1", smtp_port: sink.smtpPort,
      smtp_security: "none", smtp_username: "scan-user", smtp_password: SECRETS.smtpPassword, imap_host: dovecot.host,
      imap_port: dovecot.port, imap_security: "none", imap_username: "scan", imap_password: SECRETS.imapPassword,
    };
    const mailbox = await ok<{ id: number }>("mailboxes", { action: "create", payload: mailboxArgs });
    await ok("mailboxes", { action: "get", payload: { id: mailbox.id } });
    await ok("mailboxes", { action: "list", payload: {} });
    await ok("mailboxes", { action: "verify", payload: { id: mailbox.id } });
    await ok("mailboxes", { action: "update", payload: { id: mailbox.id, smtp_password: SECRETS.wrongPassword, imap_password: SECRETS.wrongPassword } });
    await call("mailboxes", { action: "verify", payload: { id: mailbox.id } });
    await ok("mailboxes", { action: "update", payload: { id: mailbox.id, smtp_password: SECRETS.smtpPassword, imap_password: SECRETS.imapPassword } });
    const campaign = await ok<{ id: number }>("campaigns", {
      action: "create",
      payload: { name: "Scan", subject: "Hi {{recipient.name}}", mailbox_id: mailbox.id, template_markdown: "Hello [site](https://example.com)" },
    });
    await ok("campaigns", { action: "post_recipients", payload: { campaign_id: campaign.id, recipients: ["Ada <ada@scan.example>", "bob@scan.example"] } });
    await ok("campaigns", { action: "send", payload: { campaign_id: campaign.id, dry_run: true } });
    await ok("campaigns", { action: "send", payload: { campaign_id: campaign.id, test_to: "tester@scan.example" } });
    await ok("mailboxes", { action: "sync", payload: { id: mailbox.id } });
    await ok("campaigns", { action: "status", payload: { campaign_id: campaign.id } });

    const everything = [...recorded, worker.logs(), sidecar.logs()].join("\n");
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(everything.includes(secret), `${name} leaked`).toBe(false);
    }
    for (const agent of [alpha, beta]) {
      const where = [...recorded, worker.logs(), sidecar.logs()].filter((text) => text.includes(agent.registration_token));
      expect(where.length, `${agent.name}'s token repeated in: ${where.map((w) => w.slice(0, 600)).join("\n---\n")}`).toBe(1);
    }
    // The run really exercised the mail path: the test message reached the sink with a tracked link.
    expect(sink.messages.some((m) => m.raw.includes("/t/c/"))).toBe(true);
  }, 240_000);
});
