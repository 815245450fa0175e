/** Projects: a working directory (its absolute path is the human key) or a named slug. */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const projects = sqliteTable("projects", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  /** lowercase, runs of non-[a-z0-9] collapsed to "-", trimmed; unique. */
  slug: text("slug").notNull().unique(),
  /** the absolute path the project was created from, verbatim (symlinks not resolved). */
  humanKey: text("human_key").notNull(),
  createdAt: text("created_at").notNull(),
});

export type ProjectRow = typeof projects.$inferSelect;
