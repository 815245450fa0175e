/**
 * The sidecar's HTTP surface (node:http): POST /verify, /append, /sync and GET /health. Every request
 * must carry the shared secret (compared in constant time on digests, so neither content nor length
 * leaks); bodies are zod-validated; failures use the Worker's `{error:{type,message,details}}` shape.
 * Request bodies hold mailbox passwords, so nothing here logs a body, a header or an account.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { z } from "zod";
import { AppError, httpStatusOf, type WireError } from "../shared/errors";
import { appendToFolder } from "./append";
import type { ImapOptions } from "./imap";
import { SECRET_HEADER, appendRequest, syncRequest, verifyRequest } from "./protocol";
import { syncAccount, syncResponseJson, type Classifier } from "./sync";
import { verifyAccount } from "./verify";

/** Largest accepted body: an append batch of sent messages with attachments. */
const MAX_BODY_BYTES = 50 * 1024 * 1024;

export interface SidecarOptions extends ImapOptions {
  sharedSecret: string;
  /** Classifies synced messages off the main thread; inline when absent. */
  classifier?: Classifier;
}

type Handler = (body: unknown, options: SidecarOptions) => Promise<unknown>;

/** A response body that is already JSON text (/sync, whose events arrive serialized). */
class JsonText {
  constructor(readonly text: string) {}
}

function route<S extends z.ZodType>(schema: S, run: (input: z.output<S>, options: SidecarOptions) => Promise<unknown>): Handler {
  return async (body, options) => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      throw new AppError("INVALID_ARGUMENT", "The request body does not match the sidecar contract.", { issues });
    }
    return run(parsed.data, options);
  };
}

const ROUTES: Record<string, Handler> = {
  "/verify": route(verifyRequest, verifyAccount),
  "/append": route(appendRequest, appendToFolder),
  "/sync": route(syncRequest, async (input, options) =>
    new JsonText(syncResponseJson(await syncAccount(input, options, options.classifier))),
  ),
};

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function authorised(req: IncomingMessage, secret: string): boolean {
  const given = req.headers[SECRET_HEADER];
  return typeof given === "string" && timingSafeEqual(digest(given), digest(secret));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `Bodies are limited to ${MAX_BODY_BYTES} bytes; send smaller batches.`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new AppError("INVALID_ARGUMENT", "The request body is not valid JSON.");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = body instanceof JsonText ? body.text : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  let wire: WireError;
  if (err instanceof AppError) {
    wire = { type: err.type, message: err.message, ...(err.details ? { details: err.details } : {}) };
  } else {
    // Only the error's class goes to the log: messages from IMAP libraries can quote server transcripts.
    console.error(JSON.stringify({ level: "error", msg: "sidecar request failed", error: err instanceof Error ? err.name : typeof err }));
    wire = { type: "INTERNAL", message: "The sidecar failed; see its log." };
  }
  send(res, httpStatusOf(wire.type), { error: wire });
}

async function handle(req: IncomingMessage, res: ServerResponse, options: SidecarOptions): Promise<void> {
  const path = new URL(req.url ?? "/", "http://sidecar").pathname;
  if (!authorised(req, options.sharedSecret)) {
    throw new AppError("AUTHENTICATION_REQUIRED", `Missing or wrong ${SECRET_HEADER} header.`);
  }
  if (path === "/health") {
    send(res, 200, { ok: true });
    return;
  }
  const handler = ROUTES[path];
  if (!handler) throw new AppError("NOT_FOUND", `No route ${path}; use /verify, /append or /sync.`);
  if (req.method !== "POST") throw new AppError("METHOD_NOT_ALLOWED", `${path} accepts POST only.`);
  const body = await readJson(req);
  send(res, 200, await handler(body, options));
}

/** Builds the server; the caller listens. */
export function createSidecarServer(options: SidecarOptions): Server {
  if (options.sharedSecret.length < 16) throw new Error("sharedSecret must be at least 16 characters");
  return createServer((req, res) => {
    handle(req, res, options).catch((err: unknown) => sendError(res, err));
  });
}
