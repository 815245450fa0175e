/**
 * Header words without a full parse: RFC 2047 encoded-words (B and Q, any charset TextDecoder knows)
 * and the address of a From-like header. Most synced mail is decided from its headers alone, so the
 * hot path avoids building a whole mailparser tree per message (see bench/imap-sync.ts).
 */

/** Decoders by charset label, reused (decode() keeps no state between calls); capped, labels are input. */
const decoders = new Map<string, TextDecoder>();
const MAX_DECODERS = 64;

function decodeBytes(bytes: Uint8Array, charset: string): string {
  const label = charset.toLowerCase().replace(/\*.*$/, "");
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      decoder = new TextDecoder(label, { fatal: false, ignoreBOM: false });
    } catch {
      decoder = new TextDecoder("utf-8");
    }
    if (decoders.size < MAX_DECODERS) decoders.set(label, decoder);
  }
  return decoder.decode(bytes);
}

/** Decodes `=?charset?B|Q?text?=` runs; whitespace between adjacent encoded-words is dropped (RFC 2047 §6.2). */
export function decodeWords(value: string): string {
  if (!value.includes("=?")) return value;
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, "$1")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, charset: string, enc: string, text: string) => {
      if (enc.toUpperCase() === "B") return decodeBytes(Uint8Array.from(Buffer.from(text, "base64")), charset);
      const bytes: number[] = [];
      const q = text.replace(/_/g, " ");
      for (let i = 0; i < q.length; i++) {
        if (q[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(q.slice(i + 1, i + 3))) {
          bytes.push(parseInt(q.slice(i + 1, i + 3), 16));
          i += 2;
        } else {
          bytes.push(q.charCodeAt(i) & 0xff);
        }
      }
      return decodeBytes(Uint8Array.from(bytes), charset);
    });
}

/** The first address in a From/To-style header, lowercased. */
export function addressIn(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const bracketed = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  const bare = bracketed ?? /([^\s<>(),;:"]+@[^\s<>(),;:"]+)/.exec(value);
  return bare ? bare[1]!.toLowerCase() : undefined;
}
