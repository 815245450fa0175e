/** Hashing and comparison helpers on Web Crypto (available in workerd and Node). */

const encoder = new TextEncoder();

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

export async function sha256Hex(text: string): Promise<string> {
  return [...(await sha256(text))].map((b) => b.toString(16).padStart(2, "0")).join("");
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
  let diff = 0;
  for (let i = 0; i < ha.length; i++) diff |= ha[i]! ^ hb[i]!;
  return diff === 0;
}
