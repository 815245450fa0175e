/** Archive packfiles: each commit is one v2 pack + idx in R2, merged geometrically, served over dumb HTTP. */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { archiveMessage, coordinatorFor } from "../../src/coordinator";
import { archiveMessageFixture as message, hex, inflate } from "./archive-objects";
import { ArchivePacker } from "../../src/coordinator/archive/packer";
import { messageJob } from "../../src/coordinator/archive/documents";
import { ArchiveWriter, objectPrefix } from "../../src/coordinator/archive/writer";
import { createDb } from "../../src/db";
import { ensureProject } from "../../src/mail";

const AUTH = { headers: { Authorization: "Bearer test-token" } };
let counter = 0;

async function newProject() {
  return ensureProject(createDb(env.DB), `/work/archive-packs-${Date.now()}-${++counter}`);
}

function get(slug: string, file: string) {
  return SELF.fetch(`http://127.0.0.1/archive/${slug}.git/${file}`, AUTH);
}


async function sha1Hex(bytes: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-1", bytes)));
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

interface PackedObject {
  type: string;
  text: string;
}

/** Reads every object of a pack through its idx, checking both files' structure and each object's id. */
async function readPack(pack: Uint8Array, idx: Uint8Array): Promise<Map<string, PackedObject>> {
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
  const objects = new Map<string, PackedObject>();
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
    objects.set(e.oid, { type, text: new TextDecoder("latin1").decode(content) });
  }
  return objects;
}

/** Every object in the packs `objects/info/packs` lists, each pack checked by readPack. */
async function listedObjects(slug: string): Promise<{ packs: string[]; objects: Map<string, PackedObject> }> {
  const list = await (await get(slug, "objects/info/packs")).text();
  const packs = [...list.matchAll(/^P pack-([0-9a-f]{40})\.pack$/gm)].map((m) => m[1]!);
  const objects = new Map<string, PackedObject>();
  for (const name of packs) {
    const [pack, idx] = await Promise.all(["pack", "idx"].map(async (ext) => new Uint8Array(await (await get(slug, `objects/pack/pack-${name}.${ext}`)).arrayBuffer())));
    for (const [oid, object] of await readPack(pack!, idx!)) objects.set(oid, object);
  }
  return { packs, objects };
}

/** Walks the history from HEAD through the listed packs, checking that every commit and its root tree is there. */
function walk(head: string, objects: Map<string, PackedObject>): string[] {
  const subjects: string[] = [];
  for (let oid: string | undefined = head; oid; ) {
    const commit = objects.get(oid);
    expect(commit?.type, `commit ${oid}`).toBe("commit");
    expect(objects.get(/^tree (\w+)/m.exec(commit!.text)![1]!)?.type).toBe("tree");
    subjects.push(commit!.text.split("\n\n")[1]!.split("\n")[0]!);
    oid = /^parent (\w+)/m.exec(commit!.text)?.[1];
  }
  return subjects;
}

describe("archive packs", () => {
  it("uploads each commit as one pack listed in info/packs: valid v2 pack + idx, the head commit inside, nothing loose", async () => {
    const project = await newProject();
    const outcome = await archiveMessage(env, message(project, 1));
    const head = await coordinatorFor(env, project).archiveHead();
    expect(head.oid).toBe(outcome!.commit);
    expect(head.packs).toHaveLength(1);
    expect(await (await get(project.slug, "objects/info/packs")).text()).toBe(`P pack-${head.packs[0]}.pack\n\n`);
    const { objects } = await listedObjects(project.slug);
    // Commit, four trees on each of the three copy paths' unshared part, and one blob shared by every copy.
    expect([...objects.values()].filter((o) => o.type === "blob")).toHaveLength(1);
    expect(walk(head.oid!, objects)).toEqual(["mail: GreenCastle -> BlueLake | Subject 1"]);
    expect((await get(project.slug, `objects/${head.oid!.slice(0, 2)}/${head.oid!.slice(2)}`)).status).toBe(404);
  });

  it("merges packs geometrically: 40 commits leave a handful of packs that hold the whole history", async () => {
    const project = await newProject();
    for (let id = 1; id <= 40; id++) await archiveMessage(env, message(project, id));
    const head = await coordinatorFor(env, project).archiveHead();
    expect(head.packs.length).toBeGreaterThan(0);
    expect(head.packs.length).toBeLessThanOrEqual(Math.ceil(Math.log2(40)) + 1);
    const { packs, objects } = await listedObjects(project.slug);
    expect(packs).toEqual(head.packs);
    const subjects = walk(head.oid!, objects);
    expect(subjects).toHaveLength(40);
    for (let id = 1; id <= 40; id++) expect(subjects).toContain(`mail: GreenCastle -> BlueLake | Subject ${id}`);
  });

  it("puts merging off when asked, then merges the pile of commit packs in one pass", async () => {
    const project = await newProject();
    const stub = coordinatorFor(env, project);
    const reports = await runInDurableObject(stub, async (_, state) => {
      const writer = new ArchiveWriter(state.storage, env.ARCHIVE, () => "");
      const deferred = [];
      for (let id = 1; id <= 6; id++) {
        writer.enqueue(`message:${id}`, messageJob(message(project, id)));
        deferred.push(await writer.drain(project.slug, false));
      }
      return { deferred, packsBefore: writer.packNames().length, merge: await writer.drain(project.slug), packsAfter: writer.packNames().length };
    });
    expect(reports.deferred.every((r) => r.committed === 1 && r.merged === undefined)).toBe(true);
    expect(reports.packsBefore).toBe(6);
    // Nothing was queued for the last drain: the merge it owed is what it did, all six packs in one pass.
    expect(reports.merge).toMatchObject({ committed: 0, merged: 6 });
    expect(reports.packsAfter).toBe(1);
    const { packs, objects } = await listedObjects(project.slug);
    expect(packs).toEqual((await stub.archiveHead()).packs);
    expect(walk((await stub.archiveHead()).oid!, objects)).toHaveLength(6);
  });

  it("keeps merged-away packs fetchable for the grace period, then deletes them", async () => {
    const project = await newProject();
    for (let id = 1; id <= 3; id++) await archiveMessage(env, message(project, id));
    const stub = coordinatorFor(env, project);
    const retired = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ name: string }>(`SELECT name FROM archive_packs WHERE retired_ts IS NOT NULL`).toArray().map((r) => r.name),
    );
    expect(retired.length).toBeGreaterThan(0);
    const live = (await stub.archiveHead()).packs;
    for (const name of retired) {
      expect(live).not.toContain(name);
      expect((await get(project.slug, `objects/pack/pack-${name}.pack`)).status).toBe(200);
    }
    // A compaction a quarter of an hour later finds nothing to merge and deletes what was retired.
    await runInDurableObject(stub, (_, state) => new ArchivePacker(state.storage, env.ARCHIVE).compact(objectPrefix(project.slug), Date.now() + 16 * 60_000));
    for (const name of retired) expect((await get(project.slug, `objects/pack/pack-${name}.pack`)).status).toBe(404);
    expect((await stub.archiveHead()).packs).toEqual(live);
    const { objects } = await listedObjects(project.slug);
    expect(walk((await stub.archiveHead()).oid!, objects)).toHaveLength(3);
  });

  it("serves only pack-<40 hex>.pack/.idx under objects/pack (404 for other names and traversal)", async () => {
    const project = await newProject();
    await archiveMessage(env, message(project, 1));
    for (const file of ["objects/pack/pack-abc.pack", "objects/pack/pack-..%2f..%2fHEAD.idx", "objects/pack/pack-%2e%2e.idx", `objects/pack/pack-${"0".repeat(40)}.pack`]) {
      expect((await get(project.slug, file)).status, file).toBe(404);
    }
  });
});
