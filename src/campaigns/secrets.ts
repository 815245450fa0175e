/**
 * Mailbox passwords at rest: AES-256-GCM under the Worker secret MAILBOX_ENCRYPTION_KEY (32 bytes,
 * base64). Each value gets a fresh 12-byte IV; the field name is bound as additional data so an SMTP
 * ciphertext cannot be swapped into the IMAP column.
 */
export interface Sealed {
  ct: string;
  iv: string;
}

const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string | undefined): Promise<CryptoKey> {
  const cacheKey = secret ?? "";
  let key = keys.get(cacheKey);
  if (!key) {
    const raw = decode(secret ?? "");
    if (raw.length !== 32) {
      throw new Error("MAILBOX_ENCRYPTION_KEY is misconfigured: it must be base64 of exactly 32 random bytes.");
    }
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(cacheKey, key);
  }
  return key;
}

export async function sealSecret(secret: string | undefined, field: string, plaintext: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(field) },
    await keyFor(secret),
    new TextEncoder().encode(plaintext),
  );
  return { ct: encode(new Uint8Array(ct)), iv: encode(iv) };
}

export async function openSecret(secret: string | undefined, field: string, sealed: Sealed): Promise<string> {
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: decode(sealed.iv), additionalData: new TextEncoder().encode(field) },
    await keyFor(secret),
    decode(sealed.ct),
  );
  return new TextDecoder().decode(plain);
}

function encode(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function decode(text: string): Uint8Array {
  try {
    const std = text.trim().replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(std + "=".repeat((4 - (std.length % 4)) % 4)), (c) => c.charCodeAt(0));
  } catch {
    return new Uint8Array();
  }
}
