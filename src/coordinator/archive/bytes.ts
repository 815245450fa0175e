/**
 * Byte helpers shared by the archive's object and pack encoders, its writer and the coordinator. SHA-1 comes from
 * node:crypto's synchronous createHash: a commit hashes every object it writes, and Web Crypto's digest() would cost
 * an event-loop trip per object.
 */
import { createHash } from "node:crypto";

export async function sha1(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(createHash("sha1").update(bytes).digest());
}

/** SHA-1 of a string's UTF-8 bytes, in hex (short stable names: claim files, profile job keys). */
export async function sha1Hex(text: string): Promise<string> {
  return createHash("sha1").update(text).digest("hex");
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function hex(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += b.toString(16).padStart(2, "0");
  return text;
}

export function unhex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}
