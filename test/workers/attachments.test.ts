/** Attachments: PNG → WebP in R2 by content hash, inlining, non-image limits, the authenticated route and resource. */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { convertInlineImages, MAX_FILE_BYTES, prepareMessageAttachments, storeAttachment, storeAttachments } from "../../src/coordinator";
import { createDb } from "../../src/db";
import { readAttachmentResource } from "../../src/mcp/resources/attachment";
import { AppError } from "../../src/shared/errors";
import { makePng } from "../support/png-fixture";

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const gradient = (w: number, h: number) => makePng(w, h, (x, y) => [(x * 7) % 256, (y * 3) % 256, (x * y) % 256, 255]);

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("storeAttachment", () => {
  it("converts a PNG data URI to WebP and inlines it when small", async () => {
    const png = await makePng(8, 8, () => [255, 0, 0, 255]);
    const d = await storeAttachment(env, { data: `data:image/png;base64,${base64(png)}`, filename: "dot.png" });
    expect(d).toMatchObject({ type: "inline", media_type: "image/webp", converted: true, width: 8, height: 8, filename: "dot.png" });
    if (d.type !== "inline") throw new Error("expected inline");
    expect(atob(d.data_base64).slice(8, 12)).toBe("WEBP");
  });

  it("stores a converted image in R2 under its sha256 when larger than inline_max_bytes", async () => {
    const png = await gradient(200, 150);
    const d = await storeAttachment(env, { data: base64(png) }, { inline_max_bytes: 0 });
    expect(d).toMatchObject({ type: "file", media_type: "image/webp", converted: true, width: 200, height: 150 });
    if (d.type !== "file") throw new Error("expected file");
    expect(d.path).toBe(`attachments/${d.sha256.slice(0, 2)}/${d.sha256}.webp`);
    const stored = await env.ARCHIVE.get(d.path);
    const digest = await crypto.subtle.digest("SHA-256", await stored!.arrayBuffer());
    expect([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(d.sha256);
  });

  it("keeps a PNG as PNG when convert_images is false", async () => {
    const d = await storeAttachment(env, { data: base64(await gradient(4, 4)) }, { convert_images: false });
    expect(d).toMatchObject({ media_type: "image/png", converted: false });
  });

  it("stores a non-image file as is and never inlines it", async () => {
    const text = new TextEncoder().encode("line 1\nline 2\n");
    const d = await storeAttachment(env, { data: base64(text), filename: "build.log", media_type: "text/plain" });
    expect(d).toMatchObject({ type: "file", media_type: "text/plain", bytes: text.length, converted: false });
    if (d.type !== "file") throw new Error("expected file");
    expect(d.url).toMatch(/\/attachments\/[0-9a-f]{64}\.log$/);
  });

  it("rejects a non-image file over the limit with PAYLOAD_TOO_LARGE, naming the limit", async () => {
    const big = new Uint8Array(MAX_FILE_BYTES + 1);
    const error = await errorOf(storeAttachment(env, { data: bigBase64(big), filename: "dump.bin" }));
    expect(error.type).toBe("PAYLOAD_TOO_LARGE");
    expect(error.message).toContain(String(MAX_FILE_BYTES));
  });

  it("rejects data that is not base64 with INVALID_ARGUMENT", async () => {
    expect((await errorOf(storeAttachments(env, [{ data: "not base64 !!" }]))).type).toBe("INVALID_ARGUMENT");
  });
});

function bigBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

describe("convertInlineImages", () => {
  it("rewrites embedded PNG data URIs in markdown to WebP and lists them", async () => {
    const png = await makePng(2, 2, () => [0, 0, 255, 255]);
    const body = `See ![shot](data:image/png;base64,${base64(png)}) here.`;
    const out = await convertInlineImages(env, body);
    expect(out.attachments).toHaveLength(1);
    expect(out.body_md).toMatch(/^See !\[shot\]\(data:image\/webp;base64,[A-Za-z0-9+/=]+\) here\.$/);
  });
});

describe("prepareMessageAttachments", () => {
  it("stores listed attachments and embedded images in one call, and stores nothing when one is too large", async () => {
    const png = await makePng(2, 2, () => [9, 9, 9, 255]);
    const ok = await prepareMessageAttachments(env, {
      body_md: `![a](data:image/png;base64,${base64(png)})`,
      attachments: [{ data: base64(new TextEncoder().encode("log")), filename: "run.log" }],
    });
    expect(ok.attachments.map((a) => a.type)).toEqual(["file", "inline"]);
    const before = (await env.ARCHIVE.list({ prefix: "attachments/" })).objects.length;
    const error = await errorOf(
      prepareMessageAttachments(env, { body_md: "x", attachments: Array.from({ length: 21 }, () => ({ data: base64(png) })) }),
    );
    expect(error.type).toBe("INVALID_ARGUMENT");
    expect((await env.ARCHIVE.list({ prefix: "attachments/" })).objects.length).toBe(before);
  });
});

describe("GET /attachments/<name> and resource://attachment", () => {
  it("serves a stored attachment with the token, as a download for non-images, and 401 without it", async () => {
    const d = await storeAttachment(env, { data: base64(new TextEncoder().encode("<script>x</script>")), filename: "x.html", media_type: "text/html" });
    if (d.type !== "file") throw new Error("expected file");
    const name = d.path.split("/").pop()!;
    expect((await SELF.fetch(`http://127.0.0.1/attachments/${name}`)).status).toBe(401);
    const res = await SELF.fetch(`http://127.0.0.1/attachments/${name}`, { headers: { Authorization: "Bearer test-token" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(res.headers.get("Content-Disposition")).toContain("attachment");
    expect(new TextDecoder().decode(await res.arrayBuffer())).toBe("<script>x</script>");
    const missing = await SELF.fetch(`http://127.0.0.1/attachments/${"0".repeat(64)}.webp`, { headers: { Authorization: "Bearer test-token" } });
    expect(missing.status).toBe(404);
  });

  it("returns the bytes as a blob from resource://attachment/<name>", async () => {
    const d = await storeAttachment(env, { data: base64(await gradient(100, 100)) }, { inline_max_bytes: 0 });
    if (d.type !== "file") throw new Error("expected file");
    const ctx = { env, db: createDb(env.DB), requestId: "r", principal: { kind: "static" as const, id: "static", role: "writer" as const }, waitUntil: () => undefined };
    const result = await readAttachmentResource(ctx, `resource://attachment/${d.path.split("/").pop()}`);
    expect(result.contents[0]).toMatchObject({ mimeType: "image/webp" });
    expect(atob((result.contents[0] as { blob: string }).blob).length).toBe(d.bytes);
  });
});
