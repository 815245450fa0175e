/**
 * Global setup: one SMTP sink and one dovecot per test project, shared by its files. Tests in workerd
 * read the addresses with `inject("mailServers")` and drive the sink through its HTTP control API.
 */
import type { TestProject } from "vitest/node";
import { startDovecot, IMAP_PASSWORD, IMAP_USER } from "./dovecot";
import { startSmtpSink, SINK_PASSWORD, SINK_USER } from "./smtp-sink";

export interface MailServers {
  smtp: { host: string; port: number; user: string; password: string; controlUrl: string };
  imap: { host: string; port: number; user: string; password: string };
}

declare module "vitest" {
  interface ProvidedContext {
    mailServers: MailServers;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const sink = await startSmtpSink();
  const dovecot = await startDovecot();
  project.provide("mailServers", {
    smtp: { host: "127.0.0.1", port: sink.smtpPort, user: SINK_USER, password: SINK_PASSWORD, controlUrl: sink.controlUrl },
    imap: { host: dovecot.host, port: dovecot.port, user: IMAP_USER, password: IMAP_PASSWORD },
  });
  return async () => {
    await sink.close();
    await dovecot.stop();
  };
}
