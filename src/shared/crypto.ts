/**
 * Hashing and comparison helpers; the comparisons use workerd's crypto.subtle.timingSafeEqual. Digests come from
 * node:crypto's synchronous createHash: every request hashes one or two tokens, and Web Crypto's digest() costs a
 * trip through the event loop each time for the same bytes.
 */
import { createHash } from "node:crypto";

const encoder = new TextEncoder();

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(createHash("sha256").update(text).digest());
}

export async function sha256Hex(text: string): Promise<string> {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Constant-time equality of two digests in hex (say, a presented token's SHA-256 against the stored one). Digest
 * lengths are public, so unequal lengths answer at once; equal ones are compared without hashing them again.
 */
export function timingSafeEqualDigests(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return crypto.subtle.timingSafeEqual(encoder.encode(a), encoder.encode(b));
}

/**
 * Constant-time string equality. Both sides are hashed first so neither the content nor the
 * length of the secret leaks through timing.
 */
export async function timingSafeEqualStrings(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([sha256(a), sha256(b)]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

/** Digests of configured secrets, computed once per isolate: secrets do not change while an isolate runs. */
const secretDigests = new Map<string, Promise<Uint8Array>>();

/**
 * timingSafeEqualStrings for a fixed secret (say, the deployment token): the same comparison, hashing only the
 * presented side per call.
 */
export async function timingSafeEqualSecret(presented: string, secret: string): Promise<boolean> {
  let expected = secretDigests.get(secret);
  if (!expected) {
    // A redeploy with a new secret is a new isolate, so one entry per configured secret stays tiny.
    expected = sha256(secret);
    secretDigests.set(secret, expected);
  }
  const [ha, hb] = await Promise.all([sha256(presented), expected]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}
