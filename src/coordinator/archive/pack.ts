/**
 * Packfiles for the archive, written by hand (isomorphic-git's packObjects wants a full repository fs): a clone
 * over the dumb HTTP protocol fetches a pack and its index in two requests instead of one request per object.
 *
 *   pack: "PACK", version 2, object count; per object a type+size varint header and the zlib-deflated content;
 *         a SHA-1 of everything before as trailer. No deltas: the archive is small text, and correctness first.
 *   idx (v2): ff 74 4f 63, version 2, 256-entry fanout, sorted object ids, CRC32 of each packed entry, 4-byte
 *         offsets (packs stay far below 2 GiB: MAX_PACK_OBJECTS bounds them), the pack's trailer, an idx SHA-1.
 */

/** A git object as stored loose: its id and the zlib-deflated `type size\0content`. */
export interface StoredObject {
  oid: string;
  deflated: Uint8Array;
}

export interface BuiltPack {
  /** The pack's trailer in hex; the files are `pack-<name>.pack` / `.idx`. */
  name: string;
  pack: Uint8Array;
  idx: Uint8Array;
}

const TYPE_CODES: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/** Objects per pack at most: bounds the memory one packing run holds (the archive's objects are ~0.5 KB each). */
export const MAX_PACK_OBJECTS = 4096;

export async function buildPack(objects: StoredObject[]): Promise<BuiltPack> {
  if (objects.length === 0 || objects.length > MAX_PACK_OBJECTS) throw new Error(`a pack holds 1..${MAX_PACK_OBJECTS} objects, not ${objects.length}`);
  const sorted = [...new Map(objects.map((o) => [o.oid, o])).values()].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const header = new Uint8Array(12);
  header.set([0x50, 0x41, 0x43, 0x4b]);
  const view = new DataView(header.buffer);
  view.setUint32(4, 2);
  view.setUint32(8, sorted.length);
  const parts: Uint8Array[] = [header];
  let offset = header.byteLength;
  const entries: { oid: string; crc: number; offset: number }[] = [];
  for (const object of sorted) {
    const { type, content } = parseLoose(await inflate(object.deflated), object.oid);
    const entry = concat([objectHeader(TYPE_CODES[type]!, content.byteLength), await deflate(content)]);
    entries.push({ oid: object.oid, crc: crc32(entry), offset });
    parts.push(entry);
    offset += entry.byteLength;
  }
  const body = concat(parts);
  const trailer = await sha1(body);
  const pack = concat([body, trailer]);
  return { name: hex(trailer), pack, idx: await buildIndex(entries, trailer) };
}

/** The `objects/info/packs` file the dumb protocol reads to find packs. */
export function packList(names: string[]): string {
  return names.map((n) => `P pack-${n}.pack\n`).join("") + "\n";
}

async function buildIndex(entries: { oid: string; crc: number; offset: number }[], packChecksum: Uint8Array): Promise<Uint8Array> {
  const n = entries.length;
  const out = new Uint8Array(8 + 256 * 4 + n * 28 + 40);
  const view = new DataView(out.buffer);
  out.set([0xff, 0x74, 0x4f, 0x63]);
  view.setUint32(4, 2);
  const fanout = new Uint32Array(256);
  for (const e of entries) fanout[parseInt(e.oid.slice(0, 2), 16)]!++;
  let running = 0;
  for (let i = 0; i < 256; i++) {
    running += fanout[i]!;
    view.setUint32(8 + i * 4, running);
  }
  const names = 8 + 256 * 4;
  const crcs = names + n * 20;
  const offsets = crcs + n * 4;
  entries.forEach((e, i) => {
    out.set(unhex(e.oid), names + i * 20);
    view.setUint32(crcs + i * 4, e.crc);
    view.setUint32(offsets + i * 4, e.offset);
  });
  out.set(packChecksum, offsets + n * 4);
  const body = out.subarray(0, out.byteLength - 20);
  out.set(await sha1(body), out.byteLength - 20);
  return out;
}

/** Splits `type size\0content` and checks the content really is the object its id names. */
function parseLoose(raw: Uint8Array, oid: string): { type: string; content: Uint8Array } {
  const nul = raw.indexOf(0);
  const [type, size] = new TextDecoder().decode(raw.subarray(0, nul)).split(" ");
  const content = raw.subarray(nul + 1);
  if (!type || !(type in TYPE_CODES) || Number(size) !== content.byteLength) throw new Error(`object ${oid} is not a valid loose object`);
  return { type, content };
}

/** Type in bits 4-6 of the first byte, size as a little-endian base-128 varint (4 bits first, then 7 per byte). */
function objectHeader(type: number, size: number): Uint8Array {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Uint8Array.from(bytes);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function transform(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const piped = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

export function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  return transform(bytes, new DecompressionStream("deflate"));
}

function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  return transform(bytes, new CompressionStream("deflate"));
}

async function sha1(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-1", bytes));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function unhex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!.map((h) => parseInt(h, 16)));
}
