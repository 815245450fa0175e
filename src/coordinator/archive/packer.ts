/**
 * The archive's packs in R2. Each commit's objects are uploaded as one pack; small packs are then merged
 * geometrically (the newest run of packs becomes one while it holds at least half as many objects as the pack
 * before it), so a project keeps O(log n) packs and each object is copied O(log n) times over its life. Runs
 * inside the writer's chain (the git lock), so it never races a commit.
 *
 * Order, for crash safety: upload `.pack` and `.idx`, then rewrite `objects/info/packs`, then record the pack
 * in one transaction with whatever it belongs to (the commit's ref move; a merge's retirement of its inputs).
 * A crash before the transaction leaves an unlisted pack in R2 at worst: `info/packs` is rewritten from the
 * recorded packs on the next upload.
 *
 * Merged-away packs leave `info/packs` at once but stay in R2 for RETIRED_PACK_GRACE_MS: a clone that read the
 * list just before a merge can still fetch what it listed.
 */
import type { GitObject } from "./git-objects";
import { buildPack, MAX_MERGED_PACK_OBJECTS, mergePacks, packList, type BuiltPack } from "./pack";

/** How long a merged-away pack stays fetchable (ms): longer than a dumb-protocol clone of a large archive takes. */
const RETIRED_PACK_GRACE_MS = 15 * 60_000;

interface PackRow extends Record<string, SqlStorageValue> {
  name: string;
  objects: number;
}

export interface UploadedPack {
  name: string;
  objects: number;
}

export class ArchivePacker {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly bucket: R2Bucket,
  ) {}

  /** The live packs, oldest first (the order `info/packs` lists them in). */
  packNames(): string[] {
    return this.#live().map((r) => r.name);
  }

  /** Uploads a pack of a commit's objects and lists it; record it with `record` in the commit's transaction. */
  async upload(prefix: string, objects: GitObject[]): Promise<UploadedPack> {
    const built = await buildPack(objects);
    await this.#publish(prefix, built, [...this.packNames(), built.name]);
    return { name: built.name, objects: new Set(objects.map((o) => o.oid)).size };
  }

  /** Records an uploaded pack as live (call inside the transaction that makes its objects reachable). */
  record(pack: UploadedPack): void {
    this.storage.sql.exec(
      `INSERT OR IGNORE INTO archive_packs (name, objects, created_ts) VALUES (?, ?, ?)`,
      pack.name,
      pack.objects,
      new Date().toISOString(),
    );
  }

  /**
   * Merges the newest run of packs into one: the run grows backwards while it holds at least half as many objects as
   * the pack before it (and the result stays under the size bound), which keeps pack sizes geometric. The run is
   * merged in one pass, so a pile of commit packs left by a burst is rewritten once, not once per pack. Then deletes
   * packs retired longer ago than the grace period. Returns how many packs were merged away (0: nothing to merge).
   */
  async compact(prefix: string, now = Date.now()): Promise<number> {
    const live = this.#live();
    let start = live.length - 1;
    let objects = live[start]?.objects ?? 0;
    while (start > 0 && objects * 2 >= live[start - 1]!.objects && objects + live[start - 1]!.objects <= MAX_MERGED_PACK_OBJECTS) {
      start -= 1;
      objects += live[start]!.objects;
    }
    const run = live.slice(start);
    if (run.length >= 2) {
      const merged = await mergePacks(await Promise.all(run.map((pack) => this.#read(prefix, pack.name))));
      await this.#publish(prefix, merged, [...live.slice(0, start).map((r) => r.name), merged.name]);
      this.storage.transactionSync(() => {
        const retired = new Date(now).toISOString();
        for (const pack of run) this.storage.sql.exec(`UPDATE archive_packs SET retired_ts = ? WHERE name = ?`, retired, pack.name);
        this.record({ name: merged.name, objects: new DataView(merged.pack.buffer, merged.pack.byteOffset).getUint32(8) });
      });
    }
    await this.#deleteRetired(prefix, now);
    return run.length >= 2 ? run.length : 0;
  }

  #live(): PackRow[] {
    return this.storage.sql.exec<PackRow>(`SELECT name, objects FROM archive_packs WHERE retired_ts IS NULL ORDER BY rowid`).toArray();
  }

  async #publish(prefix: string, built: BuiltPack, listed: string[]): Promise<void> {
    // The pack and its index in parallel; only the list, written after both, makes them visible to a clone.
    await Promise.all([
      this.bucket.put(`${prefix}objects/pack/pack-${built.name}.pack`, built.pack),
      this.bucket.put(`${prefix}objects/pack/pack-${built.name}.idx`, built.idx),
    ]);
    await this.bucket.put(`${prefix}objects/info/packs`, packList([...new Set(listed)]));
  }

  async #read(prefix: string, name: string): Promise<{ pack: Uint8Array; idx: Uint8Array }> {
    const [pack, idx] = await Promise.all(
      ["pack", "idx"].map(async (ext) => {
        const stored = await this.bucket.get(`${prefix}objects/pack/pack-${name}.${ext}`);
        if (!stored) throw new Error(`pack-${name}.${ext} is missing from R2`);
        return new Uint8Array(await stored.arrayBuffer());
      }),
    );
    return { pack: pack!, idx: idx! };
  }

  async #deleteRetired(prefix: string, now: number): Promise<void> {
    const cutoff = new Date(now - RETIRED_PACK_GRACE_MS).toISOString();
    const due = this.storage.sql
      .exec<{ name: string }>(`SELECT name FROM archive_packs WHERE retired_ts IS NOT NULL AND retired_ts <= ?`, cutoff)
      .toArray()
      .map((r) => r.name);
    if (due.length === 0) return;
    await this.bucket.delete(due.flatMap((name) => [`${prefix}objects/pack/pack-${name}.pack`, `${prefix}objects/pack/pack-${name}.idx`]));
    for (const name of due) this.storage.sql.exec(`DELETE FROM archive_packs WHERE name = ?`, name);
  }
}
