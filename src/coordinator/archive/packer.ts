/**
 * Packs the archive's loose objects so that a clone over the dumb HTTP protocol is a few requests, not one per
 * object. Runs inside the writer's chain (the git lock), so it never races a commit.
 *
 * Order, for crash safety: upload `.pack`, then `.idx`, then rewrite `objects/info/packs`, then record the pack
 * and forget the packed oids in one transaction, and only then delete the loose copies. A crash before the
 * transaction leaves the objects listed as loose, and the next run packs them again (same objects, same bytes,
 * same name: idempotent; if the bytes differed, two packs holding one object is legal git).
 *
 * The loose copies must go: git's dumb walker asks for an object loose first and reads `objects/info/packs` only
 * after a 404, so while a loose copy exists the pack is never used. A failed delete only leaves a slower archive.
 * Known race: a clone that already read `info/packs` (it reads it once) before a new pack was written, and then
 * asks for an object that was just moved into that pack, fails with "Unable to find"; cloning again succeeds.
 */
import { buildPack, MAX_PACK_OBJECTS, packList } from "./pack";

export interface PackReport {
  packed: number;
  pack?: string;
}

export class ArchivePacker {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly bucket: R2Bucket,
  ) {}

  looseCount(): number {
    return this.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM archive_loose`).one().n;
  }

  packNames(): string[] {
    return this.storage.sql
      .exec<{ name: string }>(`SELECT name FROM archive_packs ORDER BY created_ts, name`)
      .toArray()
      .map((r) => r.name);
  }

  /** Records objects just uploaded loose (call inside the commit's transaction). */
  recordLoose(oids: string[]): void {
    for (const oid of oids) this.storage.sql.exec(`INSERT OR IGNORE INTO archive_loose (oid) VALUES (?)`, oid);
  }

  /** Packs loose objects, MAX_PACK_OBJECTS at a time, while at least `minObjects` are loose. */
  async packLoose(prefix: string, minObjects: number): Promise<PackReport> {
    let packed = 0;
    let last: string | undefined;
    while (this.looseCount() >= Math.max(1, minObjects)) {
      const oids = this.storage.sql
        .exec<{ oid: string }>(`SELECT oid FROM archive_loose ORDER BY oid LIMIT ?`, MAX_PACK_OBJECTS)
        .toArray()
        .map((r) => r.oid);
      const objects = await Promise.all(
        oids.map(async (oid) => {
          const stored = await this.bucket.get(`${prefix}objects/${oid.slice(0, 2)}/${oid.slice(2)}`);
          if (!stored) throw new Error(`loose object ${oid} is missing from R2; repair_archive re-commits it`);
          return { oid, deflated: new Uint8Array(await stored.arrayBuffer()) };
        }),
      );
      const built = await buildPack(objects);
      await this.bucket.put(`${prefix}objects/pack/pack-${built.name}.pack`, built.pack);
      await this.bucket.put(`${prefix}objects/pack/pack-${built.name}.idx`, built.idx);
      const names = [...new Set([...this.packNames(), built.name])];
      await this.bucket.put(`${prefix}objects/info/packs`, packList(names));
      this.storage.transactionSync(() => {
        this.storage.sql.exec(
          `INSERT OR IGNORE INTO archive_packs (name, objects, created_ts) VALUES (?, ?, ?)`,
          built.name,
          oids.length,
          new Date().toISOString(),
        );
        for (const oid of oids) this.storage.sql.exec(`DELETE FROM archive_loose WHERE oid = ?`, oid);
      });
      await this.#deleteLoose(prefix, oids);
      packed += oids.length;
      last = built.name;
    }
    return last ? { packed, pack: last } : { packed };
  }

  async #deleteLoose(prefix: string, oids: string[]): Promise<void> {
    const keys = oids.map((oid) => `${prefix}objects/${oid.slice(0, 2)}/${oid.slice(2)}`);
    // R2 deletes at most 1,000 keys per call.
    for (let i = 0; i < keys.length; i += 1000) await this.bucket.delete(keys.slice(i, i + 1000));
  }
}
