/**
 * The sidecar process against the real dovecot: shared-secret auth, the error shape, /verify, /append
 * (folder creation, \Seen, idempotency) and /sync (classification, read-only, checkpoints, UIDVALIDITY).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AppendResponse, SyncResponse, VerifyResponse } from "../../src/sidecar/protocol";
import { startSidecar, type RunningSidecar } from "../support/sidecar";

const { imap } = inject("mailServers");
const account = { host: imap.host, port: imap.port, security: "none", username: imap.user, password: imap.password };
const FIXTURES = join(import.meta.dirname, "../fixtures/dsn");

let sidecar: RunningSidecar;
beforeAll(async () => {
  sidecar = await startSidecar();
});
afterAll(async () => {
  await sidecar.stop();
});

async function call(path: string, body: unknown, secret = sidecar.secret): Promise<Response> {
  return fetch(`${sidecar.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-sidecar-secret": secret },
    body: JSON.stringify(body),
  });
}

async function ok<T>(path: string, body: unknown): Promise<T> {
  const res = await call(path, body);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function withClient<T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user: imap.user, pass: imap.password }, logger: false });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}

let counter = 0;
function folderName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}`;
}

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8").replace(/\r?\n/g, "\r\n");
}

describe("sidecar HTTP surface", () => {
  it("rejects a wrong shared secret with 401 AUTHENTICATION_REQUIRED", async () => {
    const res = await call("/verify", { account }, "not-the-secret-at-all");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: "AUTHENTICATION_REQUIRED" } });
  });

  it("rejects a body outside the contract with 400 INVALID_ARGUMENT naming the field", async () => {
    const res = await call("/sync", { account: { ...account, port: "x" }, folders: [] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; details: { issues: { path: string }[] } } };
    expect(body.error.type).toBe("INVALID_ARGUMENT");
    expect(body.error.details.issues.map((i) => i.path)).toContain("account.port");
  });

  it("answers an unknown route with 404 NOT_FOUND", async () => {
    const res = await call("/nope", {});
    expect(res.status).toBe(404);
  });
});

describe("POST /verify", () => {
  it("logs in, lists folders and reports missing ones", async () => {
    const got = await ok<VerifyResponse>("/verify", { account, folders: ["INBOX", "No-Such-Folder"] });
    expect(got.ok).toBe(false);
    expect(got.folders).toContain("INBOX");
    expect(got.missing).toEqual(["No-Such-Folder"]);
  });

  it("says 'wrong username or password' without echoing the password", async () => {
    const res = await call("/verify", { account: { ...account, password: "definitely-wrong-pw" } });
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ ok: false, error: expect.stringMatching(/wrong username or password/) });
    expect(text).not.toContain("definitely-wrong-pw");
  });

  it("refuses to log in over cleartext when starttls is required but not offered", async () => {
    const got = await ok<VerifyResponse>("/verify", { account: { ...account, security: "starttls" } });
    expect(got).toMatchObject({ ok: false, error: expect.stringMatching(/did not offer STARTTLS/) });
  });

  it("refuses a loopback host when private hosts are not allowed", async () => {
    const strict = await startSidecar({ allowPrivateHosts: false });
    try {
      const res = await fetch(`${strict.url}/verify`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-sidecar-secret": strict.secret },
        body: JSON.stringify({ account }),
      });
      expect(await res.json()).toMatchObject({ ok: false, error: expect.stringMatching(/not reachable/) });
    } finally {
      await strict.stop();
    }
  });
});

describe("POST /append", () => {
  it("creates the Sent folder, appends with \\Seen and skips a redelivered Message-ID", async () => {
    const folder = folderName("Sent");
    const raw = `From: news@acme.example\r\nTo: a@b.example\r\nSubject: copy\r\nMessage-ID: <tok-append-1@acme.example>\r\n\r\nhello\r\n`;
    const message = { message_id: "tok-append-1@acme.example", raw };
    const first = await ok<AppendResponse>("/append", { account, folder, messages: [message] });
    expect(first).toEqual({ folder_created: true, results: [{ message_id: message.message_id, status: "appended" }] });
    const again = await ok<AppendResponse>("/append", { account, folder, messages: [message] });
    expect(again.results).toEqual([{ message_id: message.message_id, status: "already_present" }]);

    const copies = await withClient(async (c) => {
      const lock = await c.getMailboxLock(folder);
      try {
        return await c.fetchAll("1:*", { flags: true, envelope: true });
      } finally {
        lock.release();
      }
    });
    expect(copies).toHaveLength(1);
    expect([...(copies[0]!.flags ?? [])]).toContain("\\Seen");
    expect(copies[0]!.envelope?.messageId).toBe("<tok-append-1@acme.example>");
  });
});

describe("POST /sync", () => {
  async function seed(folder: string, files: string[]): Promise<void> {
    await withClient(async (c) => {
      await c.mailboxCreate(folder);
      for (const f of files) await c.append(folder, fixture(f), []);
    });
  }

  it("classifies the folder, leaves every message unseen and returns a checkpoint", async () => {
    const folder = folderName("Bounces");
    await seed(folder, ["postfix-user-unknown.eml", "autoreply-rfc3834.eml", "reply-human.eml", "other-unrelated.eml"]);
    const got = await ok<SyncResponse>("/sync", { account, folders: [{ path: folder }] });
    expect(got.folders[0]).toMatchObject({ path: folder, scanned: 4, rescan: false, more: false, checkpoint: { last_uid: 4 } });
    expect(got.events.map((e) => e.kind)).toEqual(["bounce", "auto_reply", "reply"]);
    expect(got.events[0]).toMatchObject({
      uid: 1,
      key: "mid:20261116100211.4Xk2Lq0R1Vz9sKp@mail.acme.example",
      recipients: [{ email: "nobody@gone.example", class: "hard", status: "5.1.1" }],
      keys: { envids: ["Hq3Zp0wYc8N2vLrT5aKmEw"], tokens: ["Hq3Zp0wYc8N2vLrT5aKmEw"] },
    });

    const flags = await withClient(async (c) => {
      const lock = await c.getMailboxLock(folder);
      try {
        return (await c.fetchAll("1:*", { flags: true })).map((m) => [...(m.flags ?? [])]);
      } finally {
        lock.release();
      }
    });
    expect(flags).toHaveLength(4);
    for (const f of flags) expect(f).not.toContain("\\Seen");
  });

  it("reads only messages after the checkpoint, in batches", async () => {
    const folder = folderName("Incr");
    await seed(folder, ["qmail-no-mailbox.eml", "exim-quota.eml", "gmail-delay.eml"]);
    const first = await ok<SyncResponse>("/sync", { account, folders: [{ path: folder }], batch: 2 });
    expect(first.folders[0]).toMatchObject({ scanned: 2, more: true, checkpoint: { last_uid: 2 } });
    const second = await ok<SyncResponse>("/sync", { account, folders: [{ path: folder, checkpoint: first.folders[0]!.checkpoint }] });
    expect(second.folders[0]).toMatchObject({ scanned: 1, more: false, checkpoint: { last_uid: 3 } });
    expect(second.events.map((e) => e.uid)).toEqual([3]);
    const third = await ok<SyncResponse>("/sync", { account, folders: [{ path: folder, checkpoint: second.folders[0]!.checkpoint }] });
    expect(third.folders[0]).toMatchObject({ scanned: 0, checkpoint: { last_uid: 3 } });
    expect(third.events).toEqual([]);
  });

  it("rescans from the start when UIDVALIDITY changed", async () => {
    const folder = folderName("Reval");
    await seed(folder, ["exim-user-unknown.eml"]);
    const first = await ok<SyncResponse>("/sync", { account, folders: [{ path: folder }] });
    const stale = { uidvalidity: String(Number(first.folders[0]!.checkpoint!.uidvalidity) + 1), last_uid: 1 };
    const again = await ok<SyncResponse>("/sync", { account, folders: [{ path: folder, checkpoint: stale }] });
    expect(again.folders[0]).toMatchObject({ rescan: true, scanned: 1 });
    expect(again.events.map((e) => e.key)).toEqual(first.events.map((e) => e.key));
  });

  it("classifies the same on worker threads as on the main thread, across batches", async () => {
    const folder = folderName("Threads");
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".eml")).sort();
    // More messages than one hand-off batch holds, so answers from several batches are put back in order.
    await seed(folder, Array.from({ length: 300 }, (_, i) => files[i % files.length]!));
    const syncWith = async (classifyThreads: number) => {
      const other = await startSidecar({ classifyThreads });
      try {
        const res = await fetch(`${other.url}/sync`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-sidecar-secret": other.secret },
          body: JSON.stringify({ account, folders: [{ path: folder }] }),
        });
        return (await res.json()) as SyncResponse;
      } finally {
        await other.stop();
      }
    };
    const inline = await syncWith(0);
    const threaded = await syncWith(2);
    expect(inline.folders[0]).toMatchObject({ scanned: 300 });
    expect(new Set(inline.events.map((e) => e.kind))).toEqual(new Set(["bounce", "complaint", "auto_reply", "reply"]));
    expect(threaded).toEqual(inline);
  });

  it("reports a missing folder per folder and still syncs the others", async () => {
    const folder = folderName("Ok");
    await seed(folder, ["reply-human.eml"]);
    const got = await ok<SyncResponse>("/sync", { account, folders: [{ path: "Missing-Folder-X" }, { path: folder }] });
    expect(got.folders[0]).toMatchObject({ path: "Missing-Folder-X", error: expect.stringMatching(/does not exist/) });
    expect(got.folders[1]).toMatchObject({ path: folder, scanned: 1 });
  });

  it("answers 400 INVALID_ARGUMENT for a wrong password", async () => {
    const res = await call("/sync", { account: { ...account, password: "wrong-pw-123" }, folders: [{ path: "INBOX" }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "INVALID_ARGUMENT", details: { stage: "login" } } });
  });
});
