/**
 * The one error shape every service throws. Edges (HTTP in app.ts, MCP in mcp/) map it once;
 * anything that is not an AppError becomes INTERNAL with a request id and no internals.
 */
export const ERROR_TYPES = [
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "AUTHENTICATION_REQUIRED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "EMPTY_PROGRAM",
  "EMPTY_MODEL",
  "RECIPIENT_NOT_FOUND",
  "BROADCAST_ATTEMPT",
  "PROGRAM_NAME_AS_AGENT",
  "EMAIL_AS_AGENT",
  "INVALID_THREAD_ID",
  "INVALID_TOPIC",
  "INVALID_LIMIT",
  "INVALID_TIMESTAMP",
  "CONTACT_REQUIRED",
  "CONTACT_BLOCKED",
  "AGENT_RETIRED",
  "EMPTY_PATHS",
  "EMPTY_IDS",
  "RESERVATION_ACTIVE",
  "CONFLICT",
  "METHOD_NOT_ALLOWED",
  "PAYLOAD_TOO_LARGE",
  "UNAVAILABLE",
  "INTERNAL",
] as const;

export type ErrorType = (typeof ERROR_TYPES)[number];

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  override readonly name = "AppError";

  constructor(
    readonly type: ErrorType,
    message: string,
    readonly details?: ErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface WireError {
  type: ErrorType;
  message: string;
  details?: ErrorDetails;
}

/** HTTP status for each error type at the HTTP edge. */
const HTTP_STATUS: Partial<Record<ErrorType, number>> = {
  NOT_FOUND: 404,
  AUTHENTICATION_REQUIRED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  CONFLICT: 409,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function httpStatusOf(type: ErrorType): number {
  return HTTP_STATUS[type] ?? 400;
}

/**
 * Turns any thrown value into the wire shape. Unknown failures are logged with the request id
 * and surface only as INTERNAL, so stack traces, SQL and binding names never reach a caller.
 */
export function toWireError(err: unknown, requestId: string): WireError {
  if (err instanceof AppError) {
    return err.details === undefined
      ? { type: err.type, message: err.message }
      : { type: err.type, message: err.message, details: err.details };
  }
  console.error(JSON.stringify({ level: "error", requestId, error: describe(err) }));
  return {
    type: "INTERNAL",
    message: `Internal error; quote request id ${requestId} when reporting it.`,
    details: { request_id: requestId },
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}\n${err.stack ?? ""}`;
  return String(err);
}
