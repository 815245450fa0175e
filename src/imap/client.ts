/**
 * The Worker's client for the IMAP sidecar. SIDECAR_URL (local dev, tests) reaches a plain Node process
 * on loopback; otherwise calls go through the SIDECAR container Durable Object. Either way the shared
 * secret rides on every request and sidecar errors come back as the same AppError they were thrown as.
 */
import { AppError, ERROR_TYPES, type ErrorType } from "../shared/errors";
import { SECRET_HEADER } from "../sidecar/protocol";
import { SIDECAR_INSTANCES } from "./constants";

export interface SidecarClient {
  call<T>(path: "/verify" | "/append" | "/sync", body: unknown): Promise<T>;
}

type SidecarEnv = Pick<Env, "SIDECAR_URL" | "SIDECAR_SHARED_SECRET" | "SIDECAR">;

function isErrorType(value: unknown): value is ErrorType {
  return typeof value === "string" && (ERROR_TYPES as readonly string[]).includes(value);
}

/**
 * @param affinity spreads mailboxes over the container instances (mailbox id), so one mailbox's calls
 *   land on the same instance.
 */
export function sidecarClient(env: SidecarEnv, affinity = 0): SidecarClient {
  const base = env.SIDECAR_URL?.replace(/\/+$/, "") ?? "";
  const send = (request: Request): Promise<Response> =>
    base !== "" ? fetch(request) : env.SIDECAR.getByName(`sidecar-${affinity % SIDECAR_INSTANCES}`).fetch(request);
  return {
    async call<T>(path: string, body: unknown): Promise<T> {
      if (!env.SIDECAR_SHARED_SECRET) {
        throw new AppError("UNAVAILABLE", "SIDECAR_SHARED_SECRET is not configured; set the Worker secret.");
      }
      const request = new Request(`${base || "http://sidecar"}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", [SECRET_HEADER]: env.SIDECAR_SHARED_SECRET },
        body: JSON.stringify(body),
      });
      let res: Response;
      try {
        res = await send(request);
      } catch (cause) {
        throw new AppError("UNAVAILABLE", "The IMAP sidecar is not reachable; the next run retries.", { stage: "sidecar" }, { cause });
      }
      const payload = (await res.json().catch(() => null)) as { error?: { type?: unknown; message?: unknown; details?: unknown } } | null;
      if (res.ok && payload !== null) return payload as T;
      const error = payload?.error;
      if (error && isErrorType(error.type) && typeof error.message === "string") {
        const details = typeof error.details === "object" && error.details !== null ? (error.details as Record<string, unknown>) : undefined;
        // A refused secret is our misconfiguration, not the caller's: never surface it as the caller's auth error.
        if (error.type === "AUTHENTICATION_REQUIRED") {
          throw new AppError("UNAVAILABLE", "The IMAP sidecar refused the shared secret; check SIDECAR_SHARED_SECRET on both sides.");
        }
        throw new AppError(error.type, error.message, details);
      }
      throw new AppError("UNAVAILABLE", `The IMAP sidecar answered HTTP ${res.status}; the next run retries.`, { stage: "sidecar" });
    },
  } as SidecarClient;
}
