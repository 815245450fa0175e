/**
 * Git objects (blobs, trees, commits) encoded by hand, as git itself does:
 *
 *   blob:   the file's bytes.
 *   tree:   per entry `<mode> <name>\0<20-byte id>`, mode `100644` (file) or `40000` (directory, no leading 0),
 *           sorted byte-wise on the UTF-8 names with a directory compared as `name/`.
 *   commit: `tree`, `parent` (if any), `author` and `committer` header lines, a blank line, the message.
 *
 * An object's id is the SHA-1 of `<type> <byte length>\0<content>`. The builder keeps the raw content: pack.ts
 * deflates each object once when it writes the commit's pack.
 */
import { concat, hex, sha1, unhex } from "./bytes";

export type ObjectType = "blob" | "tree" | "commit";

/** A git object before compression: what a pack entry is made of. */
export interface GitObject {
  oid: string;
  type: ObjectType;
  content: Uint8Array;
}

export interface TreeEntry {
  name: string;
  oid: string;
  type: "blob" | "tree";
}

export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

const encoder = new TextEncoder();

const MODES = { blob: encoder.encode("100644 "), tree: encoder.encode("40000 ") };

/** A tree entry with its name in UTF-8, which both the order and the encoding use. */
interface EncodedEntry {
  entry: TreeEntry;
  name: Uint8Array;
}

/** Builds the objects of one commit; `objects()` lists each distinct object built so far. */
export class ObjectBuilder {
  readonly #objects = new Map<string, GitObject>();

  blob(content: string | Uint8Array): Promise<string> {
    return this.#add("blob", typeof content === "string" ? encoder.encode(content) : content);
  }

  tree(entries: TreeEntry[]): Promise<string> {
    const encoded = entries.map((entry): EncodedEntry => ({ entry, name: encoder.encode(entry.name) }));
    encoded.sort(gitOrder);
    const content = new Uint8Array(encoded.reduce((n, e) => n + MODES[e.entry.type].byteLength + e.name.byteLength + 1 + 20, 0));
    let at = 0;
    for (const { entry, name } of encoded) {
      content.set(MODES[entry.type], at);
      at += MODES[entry.type].byteLength;
      content.set(name, at);
      at += name.byteLength + 1; // the NUL after the name is the fresh buffer's zero
      content.set(unhex(entry.oid), at);
      at += 20;
    }
    return this.#add("tree", content);
  }

  commit(input: { tree: string; parent?: string; message: string; author: Signature }): Promise<string> {
    const { name, email, timestamp } = input.author;
    const person = `${name} <${email}> ${timestamp} +0000`;
    const parent = input.parent ? `parent ${input.parent}\n` : "";
    const text = `tree ${input.tree}\n${parent}author ${person}\ncommitter ${person}\n\n${normalizeMessage(input.message)}`;
    return this.#add("commit", encoder.encode(text));
  }

  objects(): GitObject[] {
    return [...this.#objects.values()];
  }

  async #add(type: ObjectType, content: Uint8Array): Promise<string> {
    const oid = hex(await sha1(concat([encoder.encode(`${type} ${content.byteLength}\0`), content])));
    if (!this.#objects.has(oid)) this.#objects.set(oid, { oid, type, content });
    return oid;
  }
}

/**
 * git's tree order (base_name_compare): names compared byte-wise; where one name is a prefix of the other, the
 * shorter continues with `/` if it is a directory and ends otherwise.
 */
function gitOrder(a: EncodedEntry, b: EncodedEntry): number {
  const common = Math.min(a.name.byteLength, b.name.byteLength);
  for (let i = 0; i < common; i++) if (a.name[i] !== b.name[i]) return a.name[i]! - b.name[i]!;
  const next = (e: EncodedEntry) => e.name[common] ?? (e.entry.type === "tree" ? 0x2f : 0);
  return next(a) - next(b);
}

/**
 * The message as the archive's earlier commits (written through isomorphic-git) carried it, so the same job
 * still yields the same commit: no CRs, no leading newlines, exactly one trailing newline.
 */
function normalizeMessage(message: string): string {
  return `${message.replace(/\r/g, "").replace(/^\n+/, "").replace(/\n+$/, "")}\n`;
}
