/**
 * ProjectCoordinator: one SQLite-backed Durable Object per project. It is the single writer for the
 * project's claims (atomic check-and-grant) and the archive's git lock. The class is a thin RPC
 * surface; its storage schema is versioned and migrated when the object wakes.
 */
import { DurableObject } from "cloudflare:workers";

/** Bump when the DO's SQLite schema changes; migrations run in order on wake. */
const SCHEMA_VERSION = 1;

const SCHEMA_MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

export class ProjectCoordinator extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => this.#ensureSchema());
  }

  /** The storage schema version this object runs on (useful to operators and tests). */
  schemaVersion(): number {
    return this.#storedVersion();
  }

  #storedVersion(): number {
    const sql = this.ctx.storage.sql;
    sql.exec(SCHEMA_MIGRATIONS[0]!);
    const row = sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`).toArray()[0];
    return row ? Number(row.value) : 0;
  }

  #ensureSchema(): void {
    const current = this.#storedVersion();
    if (current >= SCHEMA_VERSION) return;
    this.ctx.storage.transactionSync(() => {
      for (const statement of SCHEMA_MIGRATIONS.slice(current)) this.ctx.storage.sql.exec(statement);
      this.ctx.storage.sql.exec(
        `INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        String(SCHEMA_VERSION),
      );
    });
  }
}
