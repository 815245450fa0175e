/**
 * Git objects (blobs, trees, commits) built by isomorphic-git. isomorphic-git writes loose objects through a
 * file-system client; we hand it an in-memory one that only collects what it writes, so the result of a commit
 * is a set of `objects/xx/yyyy` entries (zlib-deflated, exactly what git's dumb HTTP protocol serves) that the
 * archive writer then stores in R2. In workerd isomorphic-git hashes with crypto.subtle and deflates with
 * CompressionStream('deflate'), so no object format is written by hand here.
 */
import * as git from "isomorphic-git";

const GITDIR = "/archive.git";

/** A loose object as git stores it: path `objects/ab/cdef…`, zlib-deflated `type size\0content`. */
export interface LooseObject {
  oid: string;
  path: string;
  deflated: Uint8Array;
}

/**
 * isomorphic-git stats every object before writing it, so "not found" is the common answer: one shared error
 * (it only reads `code`) instead of a new Error and stack trace per object.
 */
const NOT_FOUND = Object.freeze(Object.assign(new Error("ENOENT: no such object"), { code: "ENOENT" }));

function notFound(): Error {
  return NOT_FOUND;
}

/**
 * Collects the objects isomorphic-git writes. Only the calls writeBlob/writeTree/writeCommit make are served:
 * `stat` (is the gitdir a directory, does an object exist), `writeFile` and `mkdir`.
 */
class CollectingFs {
  readonly written = new Map<string, Uint8Array>();
  readonly promises = {
    stat: async (path: string) => this.#stat(path),
    lstat: async (path: string) => this.#stat(path),
    readFile: async (path: string) => {
      const data = this.written.get(path);
      if (!data) throw notFound();
      return data;
    },
    writeFile: async (path: string, data: Uint8Array | string) => {
      this.written.set(path, typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data));
    },
    mkdir: async () => undefined,
    rmdir: async () => undefined,
    unlink: async (path: string) => void this.written.delete(path),
    readdir: async () => [],
    readlink: async (path: string) => {
      throw notFound();
    },
    symlink: async () => undefined,
    chmod: async () => undefined,
  };

  #stat(path: string) {
    const isDir = path === GITDIR;
    const data = this.written.get(path);
    if (!isDir && !data) throw notFound();
    return {
      type: isDir ? "dir" : "file",
      mode: isDir ? 0o40755 : 0o100644,
      size: data?.byteLength ?? 0,
      ino: 0,
      mtimeMs: 0,
      ctimeMs: 0,
      uid: 1,
      gid: 1,
      dev: 1,
      isFile: () => !isDir,
      isDirectory: () => isDir,
      isSymbolicLink: () => false,
    };
  }
}

export interface TreeEntry {
  mode: "100644" | "040000";
  path: string;
  oid: string;
  type: "blob" | "tree";
}

export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** Builds the objects of one commit; `objects()` lists everything written so far. */
export class ObjectBuilder {
  readonly #fs = new CollectingFs();

  blob(content: string | Uint8Array): Promise<string> {
    const blob = typeof content === "string" ? new TextEncoder().encode(content) : content;
    return git.writeBlob({ fs: this.#fs, gitdir: GITDIR, blob });
  }

  /** isomorphic-git sorts entries in git's order (directories compare as `name/`). */
  tree(entries: TreeEntry[]): Promise<string> {
    return git.writeTree({ fs: this.#fs, gitdir: GITDIR, tree: entries });
  }

  commit(input: { tree: string; parent?: string; message: string; author: Signature }): Promise<string> {
    const person = { ...input.author, timezoneOffset: 0 };
    return git.writeCommit({
      fs: this.#fs,
      gitdir: GITDIR,
      commit: {
        tree: input.tree,
        parent: input.parent ? [input.parent] : [],
        author: person,
        committer: person,
        message: input.message.endsWith("\n") ? input.message : `${input.message}\n`,
      },
    });
  }

  objects(): LooseObject[] {
    const prefix = `${GITDIR}/`;
    return [...this.#fs.written].map(([path, deflated]) => {
      const relative = path.slice(prefix.length);
      return { oid: relative.slice("objects/".length).replace("/", ""), path: relative, deflated };
    });
  }
}
