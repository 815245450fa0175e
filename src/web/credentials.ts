/**
 * A credential typed by a person (dashboard login, OAuth approval): the deployment token or a JWT, never
 * an agent's registration token. Wrong guesses are limited per client address.
 */
import type { Context } from "hono";
import { authenticate, checkCredentialAttempts, recordFailedCredentialAttempt, type Principal } from "../auth";
import { AppError } from "../shared/errors";
import type { WebEnv } from "./env";

function clientAddress(c: Context<WebEnv>): string {
  return c.req.header("CF-Connecting-IP") ?? "unknown";
}

/** The human principal for `token`; AUTHENTICATION_REQUIRED when it is not one, RATE_LIMITED when guessing. */
export async function verifyTypedCredential(c: Context<WebEnv>, token: string): Promise<Principal> {
  const address = clientAddress(c);
  await checkCredentialAttempts(c.env, address);
  try {
    const principal = await authenticate(c.env, token === "" ? undefined : token);
    if (principal.kind === "static" || principal.kind === "jwt") return principal;
  } catch (err) {
    if (!(err instanceof AppError) || err.type !== "AUTHENTICATION_REQUIRED") throw err;
  }
  await recordFailedCredentialAttempt(c.env, address);
  throw new AppError("AUTHENTICATION_REQUIRED", "That token is not valid here; enter the deployment token.");
}
