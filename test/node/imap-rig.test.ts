/** Proves the IMAP half of the rig: imapflow talks to the real dovecot started by the global setup. */
import { ImapFlow } from "imapflow";
import { describe, expect, inject, it } from "vitest";

const { imap } = inject("mailServers");

function client(password = imap.password): ImapFlow {
  return new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: false,
    auth: { user: imap.user, pass: password },
    logger: false,
  });
}

describe("dovecot test server", () => {
  it("accepts a login and an APPEND that can be fetched back", async () => {
    const imapClient = client();
    await imapClient.connect();
    try {
      const folder = `Rig-${Date.now()}`;
      await imapClient.mailboxCreate(folder);
      const raw = `From: a@example.com\r\nTo: b@example.com\r\nSubject: rig check\r\nMessage-ID: <rig-${Date.now()}@example.com>\r\n\r\nhello\r\n`;
      const appended = await imapClient.append(folder, raw, ["\\Seen"]);
      expect(appended).toBeTruthy();
      const lock = await imapClient.getMailboxLock(folder);
      try {
        const message = await imapClient.fetchOne("*", { envelope: true, flags: true });
        expect(message && message.envelope?.subject).toBe("rig check");
        expect(message && [...(message.flags ?? [])]).toContain("\\Seen");
      } finally {
        lock.release();
      }
    } finally {
      await imapClient.logout();
    }
  });

  it("rejects a wrong password with the server's authentication failure", async () => {
    const imapClient = client("wrong");
    await expect(imapClient.connect()).rejects.toMatchObject({ authenticationFailed: true });
  });
});
