/**
 * Packfiles for the archive, written by hand: every commit's objects are uploaded as one pack (two R2 writes
 * instead of one per object), and a clone over the dumb HTTP protocol fetches a pack and its index in two requests
 * instead of one request per object.
 *
 *   pack: "PACK", version 2, object count; per object a type+size varint header and the zlib-deflated content;
 *         a SHA-1 of everything before as trailer. No deltas: the archive is small text, and correctness first.
 *   idx (v2): ff 74 4f 63, version 2, 256-entry fanout, sorted object ids, CRC32 of each packed entry, 4-byte
 *         offsets (packs stay far below 2 GiB: MAX_MERGED_PACK_OBJECTS bounds them), the pack's trailer, an idx SHA-1.
 * Merging packs copies their entries byte for byte (no deltas means no entry refers to another's offset).
 *
 * Deflate is node:zlib's deflateSync: same zlib bytes as CompressionStream('deflate'), but for objects of the
 * archive's size (≈1 KB) it took ≈15 µs of CPU in workerd where a round trip through the streams took ≈100 µs.
 */
import { deflateSync } from "node:zlib";
import { concat, hex, sha1, unhex } from "./bytes";
import type { GitObject, ObjectType } from "./git-objects";

export interface BuiltPack {
  /** The pack's trailer in hex; the files are `pack-<name>.pack` / `.idx`. */
  name: string;
  pack: Uint8Array;
  idx: Uint8Array;
}

const TYPE_CODES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3 };

/**
 * Objects one merged pack may hold: bounds the memory a merge holds (the archive's objects average well under
 * 1 KB, so ≈ 30 MB at most). Packs at the bound are never merged again.
 */
export const MAX_MERGED_PACK_OBJECTS = 32_768;

/** An entry as it sits in a pack: type+size header and deflated content, with its CRC32 for the idx. */
interface PackEntry {
  oid: string;
  crc: number;
  bytes: Uint8Array;
}

/** A pack of these objects (each commit's objects become one); each object's content is deflated once. */
export async function buildPack(objects: GitObject[]): Promise<BuiltPack> {
  const entries: PackEntry[] = [];
  for (const object of new Map(objects.map((o) => [o.oid, o])).values()) {
    const bytes = concat([objectHeader(TYPE_CODES[object.type], object.content.byteLength), deflateSync(object.content)]);
    entries.push({ oid: object.oid, crc: crc32(bytes), bytes });
  }
  return writePack(entries);
}

/** One pack holding every object of these packs (the first copy of an object wins), entries copied as they are. */
export async function mergePacks(packs: Array<{ pack: Uint8Array; idx: Uint8Array }>): Promise<BuiltPack> {
  const entries = new Map<string, PackEntry>();
  for (const { pack, idx } of packs) for (const entry of readEntries(pack, idx)) if (!entries.has(entry.oid)) entries.set(entry.oid, entry);
  return writePack([...entries.values()]);
}

async function writePack(unsorted: PackEntry[]): Promise<BuiltPack> {
  if (unsorted.length === 0 || unsorted.length > MAX_MERGED_PACK_OBJECTS) {
    throw new Error(`a pack holds 1..${MAX_MERGED_PACK_OBJECTS} objects, not ${unsorted.length}`);
  }
  const sorted = [...unsorted].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const header = new Uint8Array(12);
  header.set([0x50, 0x41, 0x43, 0x4b]);
  const view = new DataView(header.buffer);
  view.setUint32(4, 2);
  view.setUint32(8, sorted.length);
  const parts: Uint8Array[] = [header];
  let offset = header.byteLength;
  const located: { oid: string; crc: number; offset: number }[] = [];
  for (const entry of sorted) {
    located.push({ oid: entry.oid, crc: entry.crc, offset });
    parts.push(entry.bytes);
    offset += entry.bytes.byteLength;
  }
  const body = concat(parts);
  const trailer = await sha1(body);
  const pack = concat([body, trailer]);
  return { name: hex(trailer), pack, idx: await buildIndex(located, trailer) };
}

/** The entries of a pack we wrote, located through its v2 idx (an entry ends where the next one starts). */
function readEntries(pack: Uint8Array, idx: Uint8Array): PackEntry[] {
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  if (view.getUint32(0) !== 0xff744f63 || view.getUint32(4) !== 2) throw new Error("not a version 2 pack index");
  const n = view.getUint32(8 + 255 * 4);
  const names = 8 + 256 * 4;
  const crcs = names + n * 20;
  const offsets = crcs + n * 4;
  const located = Array.from({ length: n }, (_, i) => ({
    oid: hex(idx.subarray(names + i * 20, names + i * 20 + 20)),
    crc: view.getUint32(crcs + i * 4),
    offset: view.getUint32(offsets + i * 4),
  }));
  const byOffset = [...located].sort((a, b) => a.offset - b.offset);
  return byOffset.map((entry, i) => ({
    oid: entry.oid,
    crc: entry.crc,
    bytes: pack.subarray(entry.offset, byOffset[i + 1]?.offset ?? pack.byteLength - 20),
  }));
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
