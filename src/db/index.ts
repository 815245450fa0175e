export { createDb, type Db } from "./client";
export { projects, type ProjectRow } from "./schema";
