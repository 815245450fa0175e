/**
 * CSRF protection for every dashboard form (the signed double-submit pattern): each browser holds a random
 * HttpOnly `ph_csrf` cookie, and a form's `_csrf` field must equal HMAC(SESSION_SIGNING_KEY, cookie, session
 * id). A page on another origin can neither read the cookie nor compute the token; binding the session id
 * means a token issued before login stops working after it. Unsafe methods without a matching token get 403.
 */
import { getCookie, setCookie } from "hono/cookie";
import type { MiddlewareHandler } from "hono";
import { base64url, randomToken } from "../shared/ids";
import { AppError } from "../shared/errors";
import { timingSafeEqualStrings } from "../shared/crypto";
import type { WebEnv } from "./env";
import { cookieName, cookieOptions, readSession, signingKey } from "./session";

const CSRF_COOKIE = "ph_csrf";
/** The field every form posts its token in. */
export const CSRF_FIELD = "_csrf";
/** A year: the token is bound to the session anyway, so the cookie itself may live long. */
const CSRF_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

async function hmac(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(message))));
}

/** Reads the session and the CSRF cookie, sets `session` and `csrfToken`, and checks unsafe methods. */
export function csrfProtection(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const key = signingKey(c.env);
    const session = await readSession(c);
    c.set("session", session);
    const name = cookieName(c, CSRF_COOKIE);
    const presentedCookie = getCookie(c, name);

    if (!SAFE_METHODS.has(c.req.method)) {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const presented = form[CSRF_FIELD];
      const expected = presentedCookie ? await hmac(key, `csrf:${presentedCookie}:${session?.sid ?? ""}`) : undefined;
      if (expected === undefined || typeof presented !== "string" || !(await timingSafeEqualStrings(presented, expected))) {
        throw new AppError("FORBIDDEN", "Missing or stale form token; reload the page and submit the form again.");
      }
    }

    let csrfId = presentedCookie;
    if (!csrfId) {
      csrfId = randomToken(16);
      setCookie(c, name, csrfId, cookieOptions(c, CSRF_COOKIE_MAX_AGE_SECONDS));
    }
    c.set("csrfToken", await hmac(key, `csrf:${csrfId}:${session?.sid ?? ""}`));
    await next();
  };
}
