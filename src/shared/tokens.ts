/**
 * Signed tokens for tracking links, open pixels, unsubscribe URLs and the per-message bounce token.
 * Shared by campaigns (which mints them while rendering) and tracking (which verifies them at the edge).
 *
 * Wire format, base64url without padding:
 *   kid:u8 | kind:u8 | campaign:varint | recipient:varint | [click only: link:varint | url:utf8…] | mac:16 bytes
 * mac = HMAC-SHA256(key[kid], "pigeonhole/token/v1" ‖ everything before it), truncated to 128 bits
 * (RFC 2104 §5 allows truncation to half the hash length).
 *
 * Click tokens carry the destination URL inside the signed payload, so `/t/c/<token>` can redirect
 * from the token alone with no D1 read and no cache; a tampered URL fails the MAC, so the route can
 * never become an open redirect. The cost is token length (≈ 1.4 × URL + 30 chars), fine for mail
 * clients at the URL cap below. Varints keep ids short; ids are not secret because the MAC, not
 * their unpredictability, is what stops forgery.
 *
 * Keys come from the secret TRACKING_SIGNING_KEYS = "kid:base64key[,kid:base64key…]" (kid 0–255,
 * keys ≥ 16 bytes). The first key signs; every listed key verifies, so keys rotate by prepending a
 * new one and dropping the old one once mail signed with it has aged out.
 */
import { base64url } from "./ids";

export const TOKEN_KINDS = ["click", "open", "unsubscribe", "message"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export interface TokenClaims {
  kind: TokenKind;
  campaignId: number;
  recipientId: number;
  /** click only: position of the link in the rendered template. */
  linkIndex?: number;
  /** click only: the destination, http(s). */
  url?: string;
}

export interface TokenCodec {
  sign(claims: TokenClaims): Promise<string>;
  /** The claims of a genuine token, or null for anything forged, truncated, altered or of another kind. */
  verify(token: string, expectedKind?: TokenKind): Promise<TokenClaims | null>;
}

/** Longest destination URL a click token may carry (bytes); longer links are left untracked. */
export const MAX_TRACKED_URL_BYTES = 2048;
const MAC_BYTES = 16;
const MIN_KEY_BYTES = 16;
const DOMAIN = new TextEncoder().encode("pigeonhole/token/v1");
const KIND_CODES: Record<TokenKind, number> = { click: 1, open: 2, unsubscribe: 3, message: 4 };

interface SigningKey {
  kid: number;
  key: CryptoKey;
}

const codecs = new Map<string, TokenCodec>();

/** A codec for the configured key list; cached per secret value. Bad configuration throws, naming it. */
export async function tokenCodec(secret: string | undefined): Promise<TokenCodec> {
  const cacheKey = secret ?? "";
  const cached = codecs.get(cacheKey);
  if (cached) return cached;
  const keys = await importKeys(parseSigningKeys(secret));
  const codec: TokenCodec = {
    sign: (claims) => signClaims(keys[0]!, claims),
    verify: (token, expectedKind) => verifyToken(keys, token, expectedKind),
  };
  codecs.set(cacheKey, codec);
  return codec;
}

/** Parses "kid:base64key,…"; throws naming TRACKING_SIGNING_KEYS when malformed. */
export function parseSigningKeys(secret: string | undefined): Array<{ kid: number; raw: Uint8Array }> {
  const fail = (why: string): never => {
    throw new Error(`TRACKING_SIGNING_KEYS is misconfigured: ${why}. Expected "kid:base64key[,kid:oldkey]".`);
  };
  if (!secret || secret.trim() === "") fail("it is empty");
  const seen = new Set<number>();
  return secret!.split(",").map((entry) => {
    const [kidText, keyText] = entry.trim().split(":");
    const kid = Number(kidText);
    if (!Number.isInteger(kid) || kid < 0 || kid > 255) fail(`key id ${JSON.stringify(kidText)} is not 0–255`);
    if (seen.has(kid)) fail(`key id ${kid} is listed twice`);
    seen.add(kid);
    const raw = decodeBase64(keyText ?? "");
    if (!raw || raw.length < MIN_KEY_BYTES) fail(`key ${kid} must be base64 of at least ${MIN_KEY_BYTES} bytes`);
    return { kid, raw: raw! };
  });
}

async function importKeys(entries: Array<{ kid: number; raw: Uint8Array }>): Promise<SigningKey[]> {
  return Promise.all(
    entries.map(async ({ kid, raw }) => ({
      kid,
      key: await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
    })),
  );
}

async function signClaims(signer: SigningKey, claims: TokenClaims): Promise<string> {
  const body = encodePayload(signer.kid, claims);
  const mac = await macOf(signer.key, body);
  const out = new Uint8Array(body.length + MAC_BYTES);
  out.set(body);
  out.set(mac, body.length);
  return base64url(out);
}

async function verifyToken(
  keys: readonly SigningKey[],
  token: string,
  expectedKind: TokenKind | undefined,
): Promise<TokenClaims | null> {
  const bytes = decodeBase64(token, true);
  if (!bytes || bytes.length < 4 + MAC_BYTES) return null;
  const body = bytes.subarray(0, bytes.length - MAC_BYTES);
  const given = bytes.subarray(bytes.length - MAC_BYTES);
  const key = keys.find((k) => k.kid === body[0]);
  if (!key) return null;
  if (!constantTimeEqual(await macOf(key.key, body), given)) return null;
  const claims = decodePayload(body);
  if (!claims || (expectedKind !== undefined && claims.kind !== expectedKind)) return null;
  return claims;
}

async function macOf(key: CryptoKey, body: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array(DOMAIN.length + body.length);
  input.set(DOMAIN);
  input.set(body, DOMAIN.length);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, input)).subarray(0, MAC_BYTES);
}

/** Compares every byte regardless of where the first difference is. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function encodePayload(kid: number, claims: TokenClaims): Uint8Array {
  const out: number[] = [kid, KIND_CODES[claims.kind]];
  writeVarint(out, claims.campaignId);
  writeVarint(out, claims.recipientId);
  if (claims.kind === "click") {
    const url = new TextEncoder().encode(claims.url ?? "");
    if (url.length === 0 || url.length > MAX_TRACKED_URL_BYTES) {
      throw new RangeError(`click tokens need a URL of 1–${MAX_TRACKED_URL_BYTES} bytes`);
    }
    writeVarint(out, claims.linkIndex ?? 0);
    out.push(...url);
  }
  return Uint8Array.from(out);
}

function decodePayload(body: Uint8Array): TokenClaims | null {
  const kind = TOKEN_KINDS.find((k) => KIND_CODES[k] === body[1]);
  if (!kind) return null;
  const cursor = { at: 2 };
  const campaignId = readVarint(body, cursor);
  const recipientId = readVarint(body, cursor);
  if (campaignId === null || recipientId === null) return null;
  if (kind !== "click") return cursor.at === body.length ? { kind, campaignId, recipientId } : null;
  const linkIndex = readVarint(body, cursor);
  if (linkIndex === null || cursor.at >= body.length) return null;
  const url = new TextDecoder().decode(body.subarray(cursor.at));
  return { kind, campaignId, recipientId, linkIndex, url };
}

function writeVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`token ids must be non-negative integers`);
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readVarint(bytes: Uint8Array, cursor: { at: number }): number | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    const byte = bytes[cursor.at++];
    if (byte === undefined) return null;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return value;
    scale *= 0x80;
  }
  return null;
}

/** base64 or base64url → bytes; `strictUrl` accepts only the url alphabet (what tokens use). */
function decodeBase64(text: string, strictUrl = false): Uint8Array | null {
  const pattern = strictUrl ? /^[A-Za-z0-9_-]+$/ : /^[A-Za-z0-9+/_-]+={0,2}$/;
  if (!pattern.test(text)) return null;
  const std = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (std.length % 4 === 1) return null;
  try {
    const binary = atob(std + "=".repeat((4 - (std.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
