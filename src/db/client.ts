/** One drizzle handle per D1 binding; cheap to create, so services make one per request. */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

/** `$client` is the raw D1 binding, for multi-row statements and batches drizzle would over-parameterise. */
export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

export function createDb(d1: D1Database): Db {
  return drizzle(d1, { schema });
}
