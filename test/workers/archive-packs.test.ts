/** Archive packfiles: the coordinator packs loose objects into a v2 pack + idx in R2, served over dumb HTTP. */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { archiveMessage, coordinatorFor, repairArchive, type ArchiveMessage } from "../../src/coordinator";
import { createDb } from "../../src/db";
import { ensureProject } from "../../src/mail";

const AUTH = { headers: { Authorization: "Bearer test-token" } };
let counter = 0;

async function newProject() {
  return ensureProject(createDb(env.DB), `/work/archive-packs-${Date.now()}-${++counter}`);
}

function message(project: { slug: string; human_key: string }, id: number): ArchiveMessage {
  return {
    id,
    project: { slug: project.slug, human_key: project.human_key },
    from: "GreenCastle",
    to: ["BlueLake"],
    cc: [],
    bcc: [],
    subject: `Subject ${id}`,
    body_md: `Body of message ${id}`,
    importance: "normal",
    ack_required: false,
    thread_id: null,
    topic: null,
    created_ts: "2026-11-23T09:00:00.000Z",
    attachments: [],
  };
}

function get(slug: string, file: string) {
  return SELF.fetch(`http://127.0.0.1/archive/${slug}.git/${file}`, AUTH);
}

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"))).arrayBuffer());
}

async function sha1Hex(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-1", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

const TYPES = ["", "commit", "tree", "blob", "tag"];

/** Reads every object of a pack through its idx, checking both files' structure and each object's id. */
async function readPack(pack: Uint8Array, idx: Uint8Array): Promise<Map<string, string>> {
  const p = new DataView(pack.buffer, pack.byteOffset);
  const x = new DataView(idx.buffer, idx.byteOffset);
  expect(new TextDecoder().decode(pack.subarray(0, 4))).toBe("PACK");
  expect(p.getUint32(4)).toBe(2);
  const n = p.getUint32(8);
  expect(x.getUint32(0)).toBe(0xff744f63);
  expect(x.getUint32(4)).toBe(2);
  expect(x.getUint32(8 + 255 * 4)).toBe(n);
  expect(idx.byteLength).toBe(8 + 1024 + n * 28 + 40);
  expect(await sha1Hex(pack.subarray(0, pack.byteLength - 20))).toBe(hex(pack.subarray(-20)));
  expect(hex(idx.subarray(idx.byteLength - 40, idx.byteLength - 20))).toBe(hex(pack.subarray(-20)));
  expect(await sha1Hex(idx.subarray(0, idx.byteLength - 20))).toBe(hex(idx.subarray(-20)));
  const names = 8 + 1024;
  const entries = [...Array(n).keys()].map((i) => ({
    oid: hex(idx.subarray(names + i * 20, names + i * 20 + 20)),
    crc: x.getUint32(names + n * 20 + i * 4),
    offset: x.getUint32(names + n * 24 + i * 4),
  }));
  const oids = entries.map((e) => e.oid);
  expect(oids).toEqual([...oids].sort());
  const ends = [...entries.map((e) => e.offset), pack.byteLength - 20].sort((a, b) => a - b);
  const types = new Map<string, string>();
  for (const e of entries) {
    const end = ends[ends.indexOf(e.offset) + 1]!;
    const entry = pack.subarray(e.offset, end);
    expect(crc32(entry)).toBe(e.crc);
    let at = 0;
    let size = entry[0]! & 0x0f;
    const type = TYPES[(entry[0]! >> 4) & 7]!;
    for (let shift = 4; entry[at]! & 0x80; shift += 7) size += (entry[++at]! & 0x7f) * 2 ** shift;
    const content = await inflate(entry.subarray(at + 1));
    expect(content.byteLength).toBe(size);
    const raw = new Uint8Array([...new TextEncoder().encode(`${type} ${size}\0`), ...content]);
    expect(await sha1Hex(raw)).toBe(e.oid);
    types.set(e.oid, type);
  }
  return types;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("archive packs", () => {
  it("packs loose objects once 512 are loose: info/packs lists a valid v2 pack + idx holding the head commit, and its loose copies are gone", async () => {
    const project = await newProject();
    const stub = coordinatorFor(env, project);
    for (let id = 1; (await stub.archiveHead()).packs.length === 0; id++) {
      expect(id, "a pack after ≈ 40 messages").toBeLessThan(100);
      await archiveMessage(env, message(project, id));
    }
    const head = await stub.archiveHead();
    expect(head.loose).toBeLessThan(512);
    const list = await get(project.slug, "objects/info/packs");
    expect(await list.text()).toBe(`P pack-${head.packs[0]}.pack\n\n`);
    const pack = await get(project.slug, `objects/pack/pack-${head.packs[0]}.pack`);
    const idx = await get(project.slug, `objects/pack/pack-${head.packs[0]}.idx`);
    expect([pack.status, idx.status]).toEqual([200, 200]);
    const types = await readPack(new Uint8Array(await pack.arrayBuffer()), new Uint8Array(await idx.arrayBuffer()));
    expect(types.size).toBeGreaterThanOrEqual(512);
    expect(types.get(head.oid!)).toBe("commit");
    const loose = await get(project.slug, `objects/${head.oid!.slice(0, 2)}/${head.oid!.slice(2)}`);
    expect(loose.status).toBe(404);
  });

  it("repair packs from 64 loose objects and leaves a smaller tail loose; newer commits are served loose", async () => {
    const project = await newProject();
    for (let id = 1; id <= 5; id++) await archiveMessage(env, message(project, id));
    const stub = coordinatorFor(env, project);
    expect((await stub.archiveHead()).packs).toEqual([]);
    expect(await (await get(project.slug, "objects/info/packs")).text()).toBe("");
    await repairArchive(env, project, async () => []);
    const packed = await stub.archiveHead();
    expect(packed).toMatchObject({ loose: 0 });
    expect(packed.packs).toHaveLength(1);
    const after = await archiveMessage(env, message(project, 6));
    await repairArchive(env, project, async () => []);
    const mixed = await stub.archiveHead();
    expect(mixed.packs).toEqual(packed.packs);
    expect(mixed.loose).toBeGreaterThan(0);
    const loose = await get(project.slug, `objects/${after!.commit!.slice(0, 2)}/${after!.commit!.slice(2)}`);
    expect(loose.status).toBe(200);
  });

  it("serves only pack-<40 hex>.pack/.idx under objects/pack (404 for other names and traversal)", async () => {
    const project = await newProject();
    await archiveMessage(env, message(project, 1));
    for (const file of ["objects/pack/pack-abc.pack", "objects/pack/pack-..%2f..%2fHEAD.idx", "objects/pack/pack-%2e%2e.idx", `objects/pack/pack-${"0".repeat(40)}.pack`]) {
      expect((await get(project.slug, file)).status, file).toBe(404);
    }
  });
});
