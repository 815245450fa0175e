/**
 * A minimal SMTP submission client over `cloudflare:sockets` that sends prebuilt RFC 5322 bytes.
 *
 * Why not worker-mailer (1.2.1): it can only build its own MIME (always multipart/mixed, no raw
 * bytes, so the Sent-folder copy could not be byte-identical), writes a `BCC:` header when given bcc,
 * sends `NOTIFY=NEVER` unless configured, reports failures as prose without the reply code, and
 * silently continues without TLS when `startTls` is asked for but the server does not offer STARTTLS
 * (then AUTH goes out in clear). Rather than patch those in place, this client sends our own bytes and
 * adds typed replies, PIPELINING, DSN (`RET=HDRS ENVID=…`, `NOTIFY=FAILURE,DELAY`, never NEVER), a hard
 * STARTTLS requirement and a record of whether the message may have been accepted when the connection
 * dies (`maybeDelivered`). `mailboxes.verify` uses it too, so verify tests what sending will do.
 */
import { connect } from "cloudflare:sockets";
import type { MailSecurity } from "../db";
import { MAIL_CONNECT_TIMEOUT_MS, MAIL_REPLY_TIMEOUT_MS } from "./constants";

export interface SmtpReply {
  code: number;
  /** RFC 3463 enhanced status, e.g. "5.1.1", when the server sent one. */
  enhanced: string | null;
  text: string;
}

/** The server answered with a non-success code. */
export class SmtpReplyError extends Error {
  override readonly name = "SmtpReplyError";
  constructor(
    readonly stage: "connect" | "ehlo" | "starttls" | "auth" | "mail" | "rcpt" | "data",
    readonly reply: SmtpReply,
  ) {
    super(`${reply.code} ${reply.text}`.trim());
  }
}

/** The connection failed or timed out. `maybeDelivered` is true only after the final "." was written. */
export class SmtpConnectionError extends Error {
  override readonly name = "SmtpConnectionError";
  constructor(
    message: string,
    readonly maybeDelivered: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SmtpOptions {
  host: string;
  port: number;
  security: MailSecurity;
  username: string;
  password: string;
  /** EHLO name; the From domain is a sensible choice. */
  heloName: string;
  connectTimeoutMs?: number;
  replyTimeoutMs?: number;
}

export interface SmtpEnvelope {
  from: string;
  to: string;
  /** RFC 3461 ENVID (xtext-safe characters only). */
  envelopeId: string;
  /** The complete message with CRLF line endings. */
  raw: string;
}

const encoder = new TextEncoder();

export class SmtpSession {
  #socket: Socket;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  #capabilities = new Set<string>();
  #authMethods = new Set<string>();
  #replyTimeoutMs: number;

  private constructor(socket: Socket, replyTimeoutMs: number) {
    this.#socket = socket;
    this.#reader = socket.readable.getReader();
    this.#writer = socket.writable.getWriter();
    this.#replyTimeoutMs = replyTimeoutMs;
  }

  /** Connects, greets, upgrades to TLS when asked and authenticates. Throws SmtpReplyError/SmtpConnectionError. */
  static async open(options: SmtpOptions): Promise<SmtpSession> {
    const socket = connect(
      { hostname: options.host, port: options.port },
      {
        secureTransport: options.security === "tls" ? "on" : options.security === "starttls" ? "starttls" : "off",
        allowHalfOpen: false,
      },
    );
    const session = new SmtpSession(socket, options.replyTimeoutMs ?? MAIL_REPLY_TIMEOUT_MS);
    try {
      await withTimeout(socket.opened, options.connectTimeoutMs ?? MAIL_CONNECT_TIMEOUT_MS, "connecting");
      session.#expect(await session.#read(), "connect", 220);
      await session.#ehlo(options.heloName);
      if (options.security === "starttls") {
        if (!session.#capabilities.has("STARTTLS")) {
          throw new SmtpConnectionError("the server does not offer STARTTLS; choose smtp_security tls or none", false);
        }
        session.#expect(await session.#command("STARTTLS"), "starttls", 220);
        session.#reader.releaseLock();
        session.#writer.releaseLock();
        session.#socket = session.#socket.startTls();
        session.#reader = session.#socket.readable.getReader();
        session.#writer = session.#socket.writable.getWriter();
        await session.#ehlo(options.heloName);
      }
      await session.#auth(options.username, options.password);
      return session;
    } catch (err) {
      await session.close();
      throw err instanceof SmtpReplyError || err instanceof SmtpConnectionError
        ? err
        : new SmtpConnectionError(describeNetworkError(err), false, { cause: err });
    }
  }

  get supportsDsn(): boolean {
    return this.#capabilities.has("DSN");
  }

  /** One transaction; on a rejected MAIL/RCPT/DATA the session is RSET and stays usable. */
  async send(envelope: SmtpEnvelope): Promise<SmtpReply> {
    const dsn = this.supportsDsn;
    const mail = `MAIL FROM:<${envelope.from}>${dsn ? ` RET=HDRS ENVID=${xtext(envelope.envelopeId)}` : ""}`;
    const rcpt = `RCPT TO:<${envelope.to}>${dsn ? ` NOTIFY=FAILURE,DELAY ORCPT=rfc822;${xtext(envelope.to)}` : ""}`;
    let finalWritten = false;
    try {
      let replies: SmtpReply[];
      if (this.#capabilities.has("PIPELINING")) {
        await this.#write(`${mail}\r\n${rcpt}\r\nDATA\r\n`);
        replies = [await this.#read(), await this.#read(), await this.#read()];
      } else {
        replies = [await this.#command(mail)];
        if (replies[0]!.code < 400) replies.push(await this.#command(rcpt));
        if (replies.at(-1)!.code < 400) replies.push(await this.#command("DATA"));
      }
      const [mailReply, rcptReply, dataReply] = replies;
      const failure =
        mailReply!.code >= 400
          ? new SmtpReplyError("mail", mailReply!)
          : rcptReply && rcptReply.code >= 400
            ? new SmtpReplyError("rcpt", rcptReply)
            : dataReply && dataReply.code !== 354
              ? new SmtpReplyError("data", dataReply)
              : null;
      if (failure) {
        // A 354 after a failed RCPT (some servers) must still be closed with an empty body.
        if (dataReply?.code === 354) {
          await this.#write(".\r\n");
          await this.#read();
        }
        await this.#reset();
        throw failure;
      }
      finalWritten = true;
      await this.#write(dotStuff(envelope.raw));
      const done = await this.#read();
      if (done.code >= 400) throw new SmtpReplyError("data", done);
      return done;
    } catch (err) {
      if (err instanceof SmtpReplyError) throw err;
      throw new SmtpConnectionError(describeNetworkError(err), finalWritten, { cause: err });
    }
  }

  async close(): Promise<void> {
    try {
      await withTimeout(this.#write("QUIT\r\n"), 2000, "closing");
    } catch {
      // The connection is going away either way.
    }
    await this.#socket.close().catch(() => undefined);
  }

  async #ehlo(name: string): Promise<void> {
    const reply = await this.#command(`EHLO ${name.replace(/[^A-Za-z0-9.-]/g, "") || "localhost"}`);
    this.#expect(reply, "ehlo", 250);
    this.#capabilities.clear();
    for (const line of reply.text.split("\n").slice(1)) {
      const [keyword, ...args] = line.trim().toUpperCase().split(/[\s=]+/);
      if (!keyword) continue;
      this.#capabilities.add(keyword);
      if (keyword === "AUTH") for (const m of args) this.#authMethods.add(m);
    }
  }

  async #auth(username: string, password: string): Promise<void> {
    if (!this.#capabilities.has("AUTH")) {
      if (username === "") return;
      throw new SmtpConnectionError("the server offers no AUTH on this connection; check smtp_security (starttls?)", false);
    }
    if (this.#authMethods.has("PLAIN")) {
      this.#expect(await this.#command(`AUTH PLAIN ${utf8Base64(`\0${username}\0${password}`)}`), "auth", 235);
      return;
    }
    if (this.#authMethods.has("LOGIN")) {
      this.#expect(await this.#command("AUTH LOGIN"), "auth", 334);
      this.#expect(await this.#command(utf8Base64(username)), "auth", 334);
      this.#expect(await this.#command(utf8Base64(password)), "auth", 235);
      return;
    }
    throw new SmtpConnectionError("the server offers neither AUTH PLAIN nor AUTH LOGIN", false);
  }

  async #reset(): Promise<void> {
    await this.#command("RSET");
  }

  #expect(reply: SmtpReply, stage: SmtpReplyError["stage"], code: number): void {
    if (reply.code !== code) throw new SmtpReplyError(stage, reply);
  }

  async #command(line: string): Promise<SmtpReply> {
    await this.#write(`${line}\r\n`);
    return this.#read();
  }

  async #write(text: string): Promise<void> {
    await this.#writer.write(encoder.encode(text));
  }

  /** Reads one (possibly multi-line) reply. */
  async #read(): Promise<SmtpReply> {
    const lines: string[] = [];
    for (;;) {
      const newline = this.#buffer.indexOf("\n");
      if (newline === -1) {
        const { value, done } = await withTimeout(this.#reader.read(), this.#replyTimeoutMs, "waiting for the server");
        if (done) throw new Error("the server closed the connection");
        this.#buffer += this.#decoder.decode(value, { stream: true });
        continue;
      }
      const line = this.#buffer.slice(0, newline).replace(/\r$/, "");
      this.#buffer = this.#buffer.slice(newline + 1);
      lines.push(line);
      if (!/^\d{3}-/.test(line)) break;
    }
    const code = Number(lines[0]!.slice(0, 3));
    if (!Number.isInteger(code)) throw new Error("the server sent a malformed reply");
    const text = lines.map((l) => l.slice(4)).join("\n");
    const enhanced = /^([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1] ?? null;
    return { code, enhanced, text };
  }
}

/** RFC 5321 §4.5.2 transparency, plus the terminating ".". */
function dotStuff(raw: string): string {
  const body = raw.endsWith("\r\n") ? raw : `${raw}\r\n`;
  return `${body.replace(/^\./gm, "..")}.\r\n`;
}

/** RFC 3461 xtext: "+", "=" and characters outside 33–126 as +HH. */
function xtext(value: string): string {
  return value.replace(/[^\x21-\x2a\x2c-\x3c\x3e-\x7e]/g, (c) => `+${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

function utf8Base64(text: string): string {
  let binary = "";
  for (const b of encoder.encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

function describeNetworkError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
