/**
 * One IMAP session per call, opened from the per-call credentials and always logged out in `finally`
 * by `withImap`. Failures become AppErrors in words (wrong password, TLS, timeout) that never echo
 * the password or the server's raw transcript.
 */
import { ImapFlow, type ImapFlowOptions } from "imapflow";
import { AppError } from "../shared/errors";
import { resolveMailHost } from "./hosts";
import type { ImapAccount } from "./protocol";

/** A login that takes longer than this is reported as a timeout (providers answer in well under 10 s). */
const CONNECT_TIMEOUT_MS = 20_000;
/** A silent socket mid-session (large FETCH on a slow server) is given this long before failing. */
const SOCKET_TIMEOUT_MS = 120_000;

export interface ImapOptions {
  allowPrivateHosts: boolean;
}

/** Words for a connect/login failure; `UNAVAILABLE` ones are worth retrying, the others are not. */
export function describeImapError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as { authenticationFailed?: boolean; tlsFailed?: boolean; code?: string; message?: string };
  if (e.authenticationFailed) {
    return new AppError("INVALID_ARGUMENT", "IMAP login failed: wrong username or password.", { stage: "login" });
  }
  const code = e.code ?? "";
  if (e.tlsFailed) {
    return new AppError("UNAVAILABLE", "The IMAP server did not offer STARTTLS; use imap_security tls or check the port.", { stage: "tls" });
  }
  if (/CERT|TLS|SSL|EPROTO/i.test(code) || /certificate|tls|ssl/i.test(e.message ?? "")) {
    return new AppError("UNAVAILABLE", "IMAP TLS handshake failed; check the port and security setting.", { stage: "tls" });
  }
  if (/TIMEOUT|ETIMEDOUT/i.test(code) || /timed? ?out/i.test(e.message ?? "")) {
    return new AppError("UNAVAILABLE", "IMAP server did not answer in time.", { stage: "connect" });
  }
  if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|NoConnection|EPIPE/i.test(code)) {
    return new AppError("UNAVAILABLE", "Could not connect to the IMAP server; check host and port.", { stage: "connect" });
  }
  return new AppError("UNAVAILABLE", "The IMAP session failed; try again later.", { stage: "session" });
}

/** Opens a session, runs `fn`, and logs out (or drops the socket) whatever happens. */
export async function withImap<T>(account: ImapAccount, options: ImapOptions, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const address = await resolveMailHost(account.host, options.allowPrivateHosts);
  // `starttls` must upgrade (a cleartext capability list could be a downgrade attack); `none` never tries.
  const flowOptions: ImapFlowOptions = {
    host: address,
    port: account.port,
    secure: account.security === "tls",
    // TLS names the host, not the pinned address, so certificates are checked against the real name.
    ...(account.host !== address ? { servername: account.host } : {}),
    auth: { user: account.username, pass: account.password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    ...(account.security === "starttls" ? { doSTARTTLS: true } : account.security === "none" ? { doSTARTTLS: false } : {}),
  };
  const client = new ImapFlow(flowOptions);
  // imapflow emits 'error' on socket failures; without a listener Node would crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw describeImapError(err);
  }
  try {
    return await fn(client);
  } catch (err) {
    throw err instanceof AppError ? err : describeImapError(err);
  } finally {
    await client.logout().catch(() => client.close());
  }
}
