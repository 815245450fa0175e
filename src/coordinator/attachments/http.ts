/**
 * GET /attachments/<sha256>.<ext>: a stored attachment, for the same credentials as /mcp (Bearer, or the token as
 * a Basic password so a browser prompt works). Content is immutable (named by its hash). Non-images are served as
 * downloads with nosniff, so an uploaded HTML or SVG file never renders in our origin.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { requireBearerOrBasic, requireTrustedOrigin } from "../../auth";
import { AppError } from "../../shared/errors";
import { readAttachment } from "./store";

const RENDERABLE = new Set(["image/webp", "image/png", "image/jpeg", "image/gif"]);

export const attachmentRoutes = new Hono<AppEnv>();

attachmentRoutes.use("*", requireTrustedOrigin(), requireBearerOrBasic());

attachmentRoutes.get("/:name", async (c) => {
  const name = c.req.param("name");
  const object = await readAttachment(c.env, name);
  if (!object) throw new AppError("NOT_FOUND", `Attachment ${name.slice(0, 80)} not found; use the url from the message's attachments.`);
  const type = object.httpMetadata?.contentType ?? "application/octet-stream";
  c.header("Content-Type", RENDERABLE.has(type) ? type : "application/octet-stream");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Cache-Control", "private, max-age=31536000, immutable");
  if (!RENDERABLE.has(type)) {
    const filename = (object.customMetadata?.filename ?? name).replace(/[^A-Za-z0-9._-]/g, "_");
    c.header("Content-Disposition", `attachment; filename="${filename}"`);
  }
  return c.body(object.body);
});
