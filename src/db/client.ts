/**
 * One drizzle handle per D1 binding, made once per isolate: building it digests the whole schema's relations
 * (measurable per request under load), and it holds no per-request state.
 */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

/** `$client` is the raw D1 binding, for multi-row statements and batches drizzle would over-parameterise. */
export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

const handles = new WeakMap<D1Database, Db>();

export function createDb(d1: D1Database): Db {
  let db = handles.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    handles.set(d1, db);
  }
  return db;
}
