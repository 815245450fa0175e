/** health_check and ensure_project: the tools every session starts with. */
import { z } from "zod";
import { ensureProject, healthReport } from "../../mail";
import { defineTool } from "../tool";

export const healthCheck = defineTool({
  name: "health_check",
  title: "Health check",
  description: "Reports that the server is up, its version and the server time (ISO-8601 UTC).",
  input: z.object({}),
  readOnly: true,
  run: async () => healthReport(),
});

export const ensureProjectTool = defineTool({
  name: "ensure_project",
  title: "Ensure project",
  description:
    "Creates the project for a working directory if it does not exist and returns it. Idempotent. " +
    "human_key must be the absolute path of the working directory; its slug (lowercase, non-alphanumerics → '-') " +
    "can be used as project_key in every other tool.",
  input: z.object({
    human_key: z
      .string()
      .min(1)
      .max(1024)
      .describe("Absolute path of the working directory, e.g. /home/me/backend. Symlinks are not resolved."),
  }),
  readOnly: false,
  run: async (ctx, input) => ensureProject(ctx.db, input.human_key),
});
