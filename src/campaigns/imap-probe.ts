/**
 * A direct IMAP check for `mailboxes.verify`: greeting, optional STARTTLS, LOGIN, LIST, LOGOUT over
 * `cloudflare:sockets`. The IMAP sidecar takes over real mailbox work; this only proves credentials.
 */
import { connect } from "cloudflare:sockets";
import type { MailSecurity } from "../db";
import { MAIL_CONNECT_TIMEOUT_MS, MAIL_REPLY_TIMEOUT_MS } from "./constants";

export interface ImapProbeOptions {
  host: string;
  port: number;
  security: MailSecurity;
  username: string;
  password: string;
}

/** Thrown with a sentence fit for the caller (never containing the password). */
export class ImapProbeError extends Error {
  override readonly name = "ImapProbeError";
}

export async function probeImap(options: ImapProbeOptions): Promise<{ folders: string[] }> {
  let socket = connect(
    { hostname: options.host, port: options.port },
    { secureTransport: options.security === "tls" ? "on" : options.security === "starttls" ? "starttls" : "off", allowHalfOpen: false },
  );
  let reader = socket.readable.getReader();
  let writer = socket.writable.getWriter();
  const decoder = new TextDecoder();
  let buffer = "";
  const readLine = async (): Promise<string> => {
    for (;;) {
      const at = buffer.indexOf("\r\n");
      if (at !== -1) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        return line;
      }
      const { value, done } = await timeout(reader.read(), MAIL_REPLY_TIMEOUT_MS, "waiting for the IMAP server");
      if (done) throw new ImapProbeError("the IMAP server closed the connection");
      buffer += decoder.decode(value, { stream: true });
    }
  };
  const command = async (tag: string, line: string): Promise<{ status: string; text: string; untagged: string[] }> => {
    await writer.write(new TextEncoder().encode(`${tag} ${line}\r\n`));
    const untagged: string[] = [];
    for (;;) {
      const reply = await readLine();
      if (reply.startsWith(`${tag} `)) {
        const [, status = "", text = ""] = /^\S+ (\S+) ?(.*)$/.exec(reply) ?? [];
        return { status: status.toUpperCase(), text, untagged };
      }
      untagged.push(reply);
    }
  };
  try {
    await timeout(socket.opened, MAIL_CONNECT_TIMEOUT_MS, "connecting");
    const greeting = await readLine();
    if (!/^\* (OK|PREAUTH)/i.test(greeting)) throw new ImapProbeError(`unexpected IMAP greeting: ${greeting.slice(0, 200)}`);
    if (options.security === "starttls") {
      const tls = await command("a0", "STARTTLS");
      if (tls.status !== "OK") throw new ImapProbeError(`the IMAP server refused STARTTLS: ${tls.text}`);
      reader.releaseLock();
      writer.releaseLock();
      socket = socket.startTls();
      reader = socket.readable.getReader();
      writer = socket.writable.getWriter();
    }
    const login = await command("a1", `LOGIN ${quote(options.username)} ${quote(options.password)}`);
    if (login.status !== "OK") {
      throw new ImapProbeError(`IMAP login refused (check imap_username and imap_password): ${login.text.slice(0, 200)}`);
    }
    const list = await command("a2", 'LIST "" "*"');
    if (list.status !== "OK") throw new ImapProbeError(`IMAP LIST failed: ${list.text.slice(0, 200)}`);
    await command("a3", "LOGOUT").catch(() => undefined);
    return { folders: list.untagged.map(folderOf).filter((f): f is string => f !== null) };
  } catch (err) {
    if (err instanceof ImapProbeError) throw err;
    throw new ImapProbeError(`could not talk to ${options.host}:${options.port}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await socket.close().catch(() => undefined);
  }
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, "\\$1")}"`;
}

function folderOf(line: string): string | null {
  const match = /^\* LIST \([^)]*\) (?:"(?:[^"\\]|\\.)*"|NIL) (?:"((?:[^"\\]|\\.)*)"|(\S+))$/i.exec(line);
  if (!match) return null;
  return (match[1] ?? match[2] ?? "").replace(/\\(.)/g, "$1");
}

async function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
