/**
 * Archive test helpers: a message fixture, and reading a git object of a project archive straight from R2 as git
 * would find it: the loose copy if there is one, else the pack whose idx (listed in `objects/info/packs`) names
 * it. Fails the test when it is in neither.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import type { ArchiveMessage } from "../../src/coordinator";

const TYPES = ["", "commit", "tree", "blob", "tag"];

export async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"))).arrayBuffer());
}

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function bytesOf(key: string): Promise<Uint8Array | undefined> {
  const stored = await env.ARCHIVE.get(key);
  return stored ? new Uint8Array(await stored.arrayBuffer()) : undefined;
}

async function fromPacks(prefix: string, oid: string): Promise<{ type: string; body: Uint8Array } | undefined> {
  const list = await env.ARCHIVE.get(`${prefix}objects/info/packs`);
  const names = list ? [...(await list.text()).matchAll(/^P pack-([0-9a-f]{40})\.pack$/gm)].map((m) => m[1]!) : [];
  for (const name of names) {
    const idx = (await bytesOf(`${prefix}objects/pack/pack-${name}.idx`))!;
    const view = new DataView(idx.buffer, idx.byteOffset);
    const n = view.getUint32(8 + 255 * 4);
    const names0 = 8 + 1024;
    const i = [...Array(n).keys()].find((k) => hex(idx.subarray(names0 + k * 20, names0 + k * 20 + 20)) === oid);
    if (i === undefined) continue;
    const offsets = [...Array(n).keys()].map((k) => view.getUint32(names0 + n * 24 + k * 4));
    const pack = (await bytesOf(`${prefix}objects/pack/pack-${name}.pack`))!;
    const start = offsets[i]!;
    const end = Math.min(pack.byteLength - 20, ...offsets.filter((o) => o > start));
    const entry = pack.subarray(start, end);
    let at = 0;
    while (entry[at]! & 0x80) at++;
    return { type: TYPES[(entry[0]! >> 4) & 7]!, body: await inflate(entry.subarray(at + 1)) };
  }
  return undefined;
}

export async function readArchiveObject(slug: string, oid: string): Promise<{ type: string; body: Uint8Array }> {
  const prefix = `archive/${slug}/`;
  const loose = await bytesOf(`${prefix}objects/${oid.slice(0, 2)}/${oid.slice(2)}`);
  if (loose) {
    const raw = await inflate(loose);
    const nul = raw.indexOf(0);
    return { type: new TextDecoder().decode(raw.slice(0, nul)).split(" ")[0]!, body: raw.slice(nul + 1) };
  }
  const packed = await fromPacks(prefix, oid);
  expect(packed, `object ${oid} is in R2 (loose or packed)`).toBeDefined();
  return packed!;
}

/** Walks a tree object recursively: path → blob oid. */
export async function listArchiveTree(slug: string, treeOid: string, prefix = ""): Promise<Map<string, string>> {
  const { body } = await readArchiveObject(slug, treeOid);
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(32, i);
    const nul = body.indexOf(0, space);
    const mode = new TextDecoder().decode(body.slice(i, space));
    const name = new TextDecoder().decode(body.slice(space + 1, nul));
    const oid = hex(body.slice(nul + 1, nul + 21));
    i = nul + 21;
    if (mode === "40000") for (const [p, o] of await listArchiveTree(slug, oid, `${prefix}${name}/`)) out.set(p, o);
    else out.set(`${prefix}${name}`, oid);
  }
  return out;
}

/** A blob (or any object) of the archive as UTF-8 text. */
export async function readArchiveText(slug: string, oid: string): Promise<string> {
  return new TextDecoder().decode((await readArchiveObject(slug, oid)).body);
}

/** A message as the mail context hands it to the archive; `overrides` change any field. */
export function archiveMessageFixture(project: { slug: string; human_key: string }, id: number, overrides: Partial<ArchiveMessage> = {}): ArchiveMessage {
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
    ...overrides,
  };
}
