/**
 * The project archive over git's "dumb" HTTP protocol, read-only:
 *
 *   git -c http.extraHeader="Authorization: Bearer $TOKEN" clone $BASE/archive/<slug>.git
 *   git clone http://git:$TOKEN@127.0.0.1:8787/archive/<slug>.git      (token as the Basic password)
 *
 * git asks for `info/refs` (a smart-protocol probe, answered as plain text so it falls back to dumb), then `HEAD`,
 * then walks the history: objects it finds loose it fetches one by one; for the rest it reads `objects/info/packs`
 * and fetches the listed packs' `.idx` and then `.pack` files (written by the coordinator, see packer.ts). Refs come from the coordinator (the only writer);
 * objects are immutable R2 entries, so they are cacheable forever.
 */
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { requireBearerOrBasic, requireTrustedOrigin } from "../../auth";
import { createDb, projects } from "../../db";
import { AppError } from "../../shared/errors";
import { coordinatorFor } from "../claims-service";
import { objectPrefix } from "./writer";

export const archiveRoutes = new Hono<AppEnv>();

archiveRoutes.use("*", requireTrustedOrigin(), requireBearerOrBasic());

const REPO_PATH = /^\/archive\/([a-z0-9-]+)\.git\/(.+)$/;
const OBJECT_PATH = /^objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/;
const PACK_PATH = /^objects\/pack\/pack-[0-9a-f]{40}\.(pack|idx)$/;

archiveRoutes.get("/*", async (c) => {
  const match = REPO_PATH.exec(new URL(c.req.url).pathname);
  if (!match) throw new AppError("NOT_FOUND", "Archive URLs look like /archive/<project-slug>.git/...; clone that URL with git.");
  const [, slug, file] = match as unknown as [string, string, string];
  const project = await createDb(c.env.DB).query.projects.findFirst({ where: eq(projects.slug, slug) });
  if (!project) throw new AppError("NOT_FOUND", `No project with slug ${JSON.stringify(slug)}; call ensure_project first.`);

  if (file === "info/refs" || file === "HEAD") {
    const head = await coordinatorFor(c.env, project).archiveHead();
    c.header("Cache-Control", "no-cache");
    c.header("Content-Type", "text/plain; charset=utf-8");
    if (file === "HEAD") return c.body(`ref: ${head.ref}\n`);
    return c.body(head.oid ? `${head.oid}\t${head.ref}\n` : "");
  }
  if (file === "objects/info/packs") {
    // Rewritten by the coordinator after each pack; absent until the first one (no packs: every object is loose).
    const list = await c.env.ARCHIVE.get(objectPrefix(slug) + file);
    c.header("Cache-Control", "no-cache");
    c.header("Content-Type", "text/plain; charset=utf-8");
    return c.body(list ? await list.text() : "");
  }
  if (PACK_PATH.test(file)) {
    const pack = await c.env.ARCHIVE.get(objectPrefix(slug) + file);
    if (!pack) throw new AppError("NOT_FOUND", `${file} is not in this archive; objects/info/packs lists its packs.`);
    c.header("Content-Type", file.endsWith(".pack") ? "application/x-git-packed-objects" : "application/x-git-packed-objects-toc");
    c.header("Cache-Control", "private, max-age=31536000, immutable");
    return c.body(pack.body);
  }
  if (OBJECT_PATH.test(file)) {
    const object = await c.env.ARCHIVE.get(objectPrefix(slug) + file);
    if (!object) throw new AppError("NOT_FOUND", `Object ${file} is not in this archive.`);
    c.header("Content-Type", "application/x-git-loose-object");
    c.header("Cache-Control", "private, max-age=31536000, immutable");
    return c.body(object.body);
  }
  throw new AppError("NOT_FOUND", `${file} is not served; this archive speaks git's dumb HTTP protocol (info/refs, HEAD, objects/, objects/info/packs, objects/pack/).`);
});
