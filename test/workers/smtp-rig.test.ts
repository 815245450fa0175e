/** Proves the SMTP half of the rig from inside workerd: worker-mailer over cloudflare:sockets to the sink. */
import { inject, describe, expect, it, beforeEach } from "vitest";
import { LogLevel, WorkerMailer } from "worker-mailer";

const { smtp } = inject("mailServers");

interface SinkMessage {
  rcptTo: string[];
  raw: string;
  authUser?: string;
}

async function sinkMessages(): Promise<SinkMessage[]> {
  const res = await fetch(`${smtp.controlUrl}/messages`);
  return ((await res.json()) as { messages: SinkMessage[] }).messages;
}

describe("SMTP sink reached from workerd", () => {
  beforeEach(async () => {
    await fetch(`${smtp.controlUrl}/reset`, { method: "POST" });
  });

  it("delivers a message with AUTH and records it", async () => {
    const mailer = await WorkerMailer.connect({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      startTls: false,
      credentials: { username: smtp.user, password: smtp.password },
      authType: "plain",
      logLevel: LogLevel.NONE,
    });
    try {
      await mailer.send({
        from: { name: "Rig", email: "rig@example.com" },
        to: "someone@example.net",
        subject: "rig check",
        text: "hello from workerd",
      });
    } finally {
      await mailer.close();
    }
    const messages = await sinkMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.rcptTo).toEqual(["someone@example.net"]);
    expect(messages[0]!.authUser).toBe(smtp.user);
    expect(messages[0]!.raw).toContain("Subject: rig check");
    expect(messages[0]!.raw).toContain("hello from workerd");
  });

  it("fails a wrong password with the server's own words", async () => {
    await expect(
      WorkerMailer.connect({
        host: smtp.host,
        port: smtp.port,
        secure: false,
        startTls: false,
        credentials: { username: smtp.user, password: "wrong" },
        authType: "plain",
        logLevel: LogLevel.NONE,
      }),
    ).rejects.toThrow(/Authentication credentials invalid/);
    expect(await sinkMessages()).toHaveLength(0);
  });
});
