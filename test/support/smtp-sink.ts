/**
 * A real SMTP server on loopback (smtp-server) that records every accepted message with its envelope,
 * requires AUTH, advertises DSN, and can be told to answer chosen 4xx/5xx codes per recipient.
 * An HTTP control API lets tests running inside workerd read what arrived and set failure rules.
 */
import { createServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";

export interface SinkMessage {
  authUser: string | undefined;
  mailFrom: string;
  /** MAIL FROM parameters, e.g. {RET: "HDRS", ENVID: "…"} */
  mailFromArgs: Record<string, string>;
  rcptTo: string[];
  /** RCPT TO parameters per recipient, e.g. {NOTIFY: "FAILURE,DELAY"} */
  rcptArgs: Record<string, Record<string, string>>;
  raw: string;
  receivedAt: string;
}

export interface FailureRule {
  /** recipient address (lowercase) the rule applies to */
  rcpt: string;
  /** SMTP reply code, e.g. 450 or 550 */
  code: number;
  message: string;
  /** reply at RCPT TO (default) or after DATA */
  stage?: "rcpt" | "data";
  /** how many times the rule fires before it stops (default: always) */
  times?: number;
}

export interface SmtpSink {
  smtpPort: number;
  controlUrl: string;
  messages: SinkMessage[];
  users: Record<string, string>;
  addRule(rule: FailureRule): void;
  reset(): void;
  close(): Promise<void>;
}

export const SINK_USER = "sink-user";
export const SINK_PASSWORD = "sink-password";

function argsOf(address: SMTPServerAddress): Record<string, string> {
  const args = (address as unknown as { args?: Record<string, string | boolean> }).args ?? {};
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k.toUpperCase(), String(v)]));
}

export async function startSmtpSink(
  options: { users?: Record<string, string>; port?: number } = {},
): Promise<SmtpSink> {
  const users = options.users ?? { [SINK_USER]: SINK_PASSWORD };
  const messages: SinkMessage[] = [];
  let rules: FailureRule[] = [];

  const fire = (rcpt: string, stage: "rcpt" | "data"): FailureRule | undefined => {
    const rule = rules.find((r) => r.rcpt === rcpt.toLowerCase() && (r.stage ?? "rcpt") === stage);
    if (!rule) return undefined;
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) rules = rules.filter((r) => r !== rule);
    }
    return rule;
  };
  const smtpError = (rule: FailureRule): Error =>
    Object.assign(new Error(rule.message), { responseCode: rule.code });

  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    hideDSN: false,
    logger: false,
    size: 25 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      const expected = users[auth.username ?? ""];
      if (expected !== undefined && expected === auth.password) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const rule = fire(address.address, "rcpt");
      return rule ? callback(smtpError(rule)) : callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        const failing = rcptTo.map((r) => fire(r, "data")).find((r) => r !== undefined);
        if (failing) return callback(smtpError(failing));
        const mailFrom = session.envelope.mailFrom;
        messages.push({
          authUser: session.user as string | undefined,
          mailFrom: mailFrom ? mailFrom.address : "",
          mailFromArgs: mailFrom ? argsOf(mailFrom) : {},
          rcptTo,
          rcptArgs: Object.fromEntries(session.envelope.rcptTo.map((r) => [r.address, argsOf(r)])),
          raw: Buffer.concat(chunks).toString("utf8"),
          receivedAt: new Date().toISOString(),
        });
        return callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  // A client that vanishes mid-session (a killed sender) resets its connection; a real server shrugs
  // that off, and so must the sink, or one reset takes down the sink for every test sharing it.
  smtp.on("error", () => undefined);
  const smtpPort = (smtp.server.address() as { port: number }).port;

  const control: HttpServer = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === "GET" && req.url === "/messages") return reply(200, { messages });
      if (req.method === "POST" && req.url === "/reset") {
        messages.length = 0;
        rules = [];
        return reply(200, { ok: true });
      }
      if (req.method === "POST" && req.url === "/rules") {
        const rule = JSON.parse(await readBody(req)) as FailureRule;
        rules.push({ ...rule, rcpt: rule.rcpt.toLowerCase() });
        return reply(200, { ok: true });
      }
      return reply(404, { error: "unknown control route" });
    } catch (err) {
      return reply(400, { error: String(err) });
    }
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", () => resolve()));
  const controlUrl = `http://127.0.0.1:${(control.address() as { port: number }).port}`;

  return {
    smtpPort,
    controlUrl,
    messages,
    users,
    addRule: (rule) => rules.push({ ...rule, rcpt: rule.rcpt.toLowerCase() }),
    reset: () => {
      messages.length = 0;
      rules = [];
    },
    close: async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => control.close(() => resolve()));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
