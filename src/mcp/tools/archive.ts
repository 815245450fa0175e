/** Archive tools: repair (re-derive missing entries from D1) and where to clone the project's git archive. */
import { z } from "zod";
import { repairProjectArchiveByKey } from "../../coordinator";
import { resolveProject } from "../../mail";
import { defineTool } from "../tool";

export const repairArchiveTool = defineTool({
  name: "repair_archive",
  title: "Repair the project archive",
  description:
    "Re-derives archive entries missing from the project's git archive from the database (idempotent), commits anything " +
    "queued, and returns the head commit and the `git clone` command for the archive.",
  input: z.object({
    project_key: z.string().min(1).max(1024).describe("Absolute path of the project's working directory, or its slug."),
  }),
  readOnly: false,
  run: async (ctx, input) => repairProjectArchiveByKey(ctx.env, ctx.db, (key) => resolveProject(ctx.db, key), input.project_key),
});

export const ARCHIVE_TOOLS = [repairArchiveTool];
