/**
 * The dashboard's login session: a stateless cookie holding `{sid, role, exp}` as base64url JSON, signed
 * with HMAC-SHA256 under SESSION_SIGNING_KEY (hono's signed cookies). HttpOnly, SameSite=Strict, and Secure
 * with the `__Host-` prefix whenever the dashboard is served over https. The expiry inside the signed value
 * is what counts; the cookie's Max-Age only tidies the browser.
 */
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import type { Role } from "../auth";
import { AppError } from "../shared/errors";
import { base64url, randomToken } from "../shared/ids";
import type { WebEnv } from "./env";

/** A working day: long enough not to nag, short enough that a forgotten browser loses access. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

/** HMAC keys shorter than this are refused: a guessable key forges sessions. */
const MIN_SIGNING_KEY_LENGTH = 32;

export interface Session {
  /** random id; CSRF tokens are bound to it */
  sid: string;
  role: Role;
  /** expiry, seconds since the epoch */
  exp: number;
}

export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** `__Host-` needs Secure, and browsers refuse Secure cookies over plain http outside loopback. */
export function cookieName(c: Context, base: string): string {
  return isHttps(c) ? `__Host-${base}` : base;
}

export function cookieOptions(c: Context, maxAgeSeconds: number): CookieOptions {
  return { path: "/", httpOnly: true, secure: isHttps(c), sameSite: "Strict", maxAge: maxAgeSeconds };
}

export function signingKey(env: Env): string {
  const key = env.SESSION_SIGNING_KEY ?? "";
  if (key.length < MIN_SIGNING_KEY_LENGTH) {
    throw new AppError(
      "UNAVAILABLE",
      `The dashboard is disabled: set the secret SESSION_SIGNING_KEY to at least ${MIN_SIGNING_KEY_LENGTH} random characters.`,
    );
  }
  return key;
}

const SESSION_COOKIE = "ph_session";

export async function readSession(c: Context<WebEnv>): Promise<Session | undefined> {
  const value = await getSignedCookie(c, signingKey(c.env), cookieName(c, SESSION_COOKIE));
  if (!value) return undefined;
  try {
    const session = JSON.parse(atob(value.replace(/-/g, "+").replace(/_/g, "/"))) as Session;
    const fresh = typeof session.exp === "number" && session.exp > Date.now() / 1000;
    const wellFormed = typeof session.sid === "string" && (session.role === "reader" || session.role === "writer");
    return fresh && wellFormed ? session : undefined;
  } catch {
    return undefined;
  }
}

export async function startSession(c: Context<WebEnv>, role: Role): Promise<Session> {
  const session: Session = { sid: randomToken(16), role, exp: Math.floor(Date.now() / 1000) + SESSION_TTL_SECONDS };
  const value = base64url(new TextEncoder().encode(JSON.stringify(session)));
  await setSignedCookie(c, cookieName(c, SESSION_COOKIE), value, signingKey(c.env), cookieOptions(c, SESSION_TTL_SECONDS));
  return session;
}

export function endSession(c: Context<WebEnv>): void {
  deleteCookie(c, cookieName(c, SESSION_COOKIE), { path: "/", secure: isHttps(c) });
}
