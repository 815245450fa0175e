/**
 * Message attachments: images are converted to WebP in the Worker and stored in R2 by content hash; small results
 * are inlined in the message (base64) per `inline_max_bytes`. Other files are stored as they are, within a size
 * limit. R2 key: `attachments/<sha256[0:2]>/<sha256>.<ext>` (sha256 of the stored bytes, so identical files are
 * stored once and the key verifies the content). Fetch through GET /attachments/<sha256>.<ext> or
 * resource://attachment/<sha256>.<ext>.
 *
 * Conversion covers PNG (decoded here) → WebP. JPEG and GIF are stored unconverted (`converted: false`): no
 * decoder for them runs in workerd among our dependencies. WebP input is stored as is.
 */
import { AppError } from "../../shared/errors";
import { decodePng, isPng, PngUnsupportedError } from "./png";
import { encodeWebp } from "./webp";

/** Inline an image when its stored form is at most this many bytes (the original's INLINE_IMAGE_MAX_BYTES). */
export const DEFAULT_INLINE_MAX_BYTES = 64 * 1024;

/** Largest image accepted (before conversion): bigger screenshots are rare and costly to decode in a Worker. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** Largest non-image file accepted: attachments are for logs and snippets, not artefact storage. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** Most attachments per message. */
export const MAX_ATTACHMENTS = 20;

export interface AttachmentInput {
  /** A data URI (`data:image/png;base64,…`) or plain base64. */
  data: string;
  filename?: string | undefined;
  /** Declared type for non-images (images are recognised by their bytes). */
  media_type?: string | undefined;
}

export interface AttachmentOptions {
  /** Convert images to WebP (default true). */
  convert_images?: boolean | undefined;
  /** Inline images whose stored form is at most this many bytes; 0 never inlines. */
  inline_max_bytes?: number | undefined;
}

interface Common {
  media_type: string;
  bytes: number;
  sha256: string;
  filename?: string;
  width?: number;
  height?: number;
  converted: boolean;
}

export type AttachmentDescriptor =
  | (Common & { type: "inline"; data_base64: string })
  | (Common & { type: "file"; path: string; url: string });

const IMAGE_EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
};

function sniffImage(bytes: Uint8Array): string | undefined {
  if (isPng(bytes)) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 4) === "GIF8") return "image/gif";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  return undefined;
}

function decodeData(data: string): { bytes: Uint8Array; declared?: string } {
  const match = /^data:([^;,]+)?(?:;[^,]*)?;base64,(.*)$/s.exec(data.trim());
  const base64 = (match ? match[2]! : data).replace(/\s+/g, "");
  try {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return { bytes, declared: match?.[1] };
  } catch {
    throw new AppError("INVALID_ARGUMENT", "Attachment data must be base64 or a base64 data URI (data:image/png;base64,…).", {
      field: "attachments",
    });
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function safeExtension(mediaType: string, filename: string | undefined): string {
  const known = IMAGE_EXTENSIONS[mediaType];
  if (known) return known;
  const ext = /\.([A-Za-z0-9]{1,10})$/.exec(filename ?? "")?.[1]?.toLowerCase();
  return ext ?? "bin";
}

export function attachmentKey(name: string): string {
  return `attachments/${name.slice(0, 2)}/${name}`;
}

/** Decodes and checks one attachment (non-empty, within its size limit) without storing anything. */
function checkAttachment(input: AttachmentInput): { original: Uint8Array; declared?: string | undefined; image?: string | undefined } {
  const { bytes: original, declared } = decodeData(input.data);
  if (original.length === 0) throw new AppError("INVALID_ARGUMENT", "Attachment is empty; attach a file with content.", { field: "attachments" });
  const image = sniffImage(original);
  const limit = image ? MAX_IMAGE_BYTES : MAX_FILE_BYTES;
  if (original.length > limit) {
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `${input.filename ?? "Attachment"} is ${original.length} bytes; ${image ? "images" : "non-image files"} may be at most ${limit} bytes. Attach a smaller file or a link.`,
      { field: "attachments", bytes: original.length, limit },
    );
  }
  return { original, declared, image };
}

/** Converts (images), stores in R2 and describes one attachment. */
export async function storeAttachment(env: Env, input: AttachmentInput, options: AttachmentOptions = {}): Promise<AttachmentDescriptor> {
  const { original, declared, image } = checkAttachment(input);
  let stored = original;
  let mediaType = image ?? input.media_type ?? declared ?? "application/octet-stream";
  let dimensions: { width: number; height: number } | undefined;
  let converted = false;
  if (image === "image/png" && options.convert_images !== false) {
    try {
      const decoded = await decodePng(original);
      stored = await encodeWebp(decoded);
      mediaType = "image/webp";
      dimensions = { width: decoded.width, height: decoded.height };
      converted = true;
    } catch (err) {
      if (!(err instanceof PngUnsupportedError)) throw err;
      // An interlaced or odd PNG is still a valid attachment: keep it as sent.
    }
  }
  const sha256 = await sha256Hex(stored);
  const common: Common = {
    media_type: mediaType,
    bytes: stored.length,
    sha256,
    converted,
    ...(input.filename ? { filename: input.filename } : {}),
    ...(dimensions ?? {}),
  };
  const inlineMax = options.inline_max_bytes ?? DEFAULT_INLINE_MAX_BYTES;
  if (mediaType.startsWith("image/") && stored.length <= inlineMax) {
    return { ...common, type: "inline", data_base64: toBase64(stored) };
  }
  const name = `${sha256}.${safeExtension(mediaType, input.filename)}`;
  await env.ARCHIVE.put(attachmentKey(name), stored, {
    httpMetadata: { contentType: mediaType },
    customMetadata: input.filename ? { filename: input.filename.slice(0, 200) } : {},
  });
  return { ...common, type: "file", path: attachmentKey(name), url: `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/attachments/${name}` };
}

/** All of a message's attachments; all-or-nothing on validation (sizes and count are checked before any write). */
export async function storeAttachments(env: Env, inputs: AttachmentInput[], options: AttachmentOptions = {}): Promise<AttachmentDescriptor[]> {
  if (inputs.length > MAX_ATTACHMENTS) {
    throw new AppError("INVALID_ARGUMENT", `At most ${MAX_ATTACHMENTS} attachments per message; send the rest in another message.`, {
      field: "attachments",
    });
  }
  // Check every item first, so a bad one fails the call before anything is stored.
  for (const input of inputs) checkAttachment(input);
  const out: AttachmentDescriptor[] = [];
  for (const input of inputs) out.push(await storeAttachment(env, input, options));
  return out;
}

const INLINE_IMAGE = /!\[([^\]]*)\]\((data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+)\)/gi;
/** The same pattern without `g`, so `test` keeps no lastIndex between calls (it runs on every send). */
const HAS_INLINE_IMAGE = new RegExp(INLINE_IMAGE.source, INLINE_IMAGE.flags.replace("g", ""));

/**
 * Converts the data-URI images embedded in a markdown body: each becomes a WebP data URI (small) or a link to
 * the stored file (large), and is listed in `attachments`.
 */
export async function convertInlineImages(
  env: Env,
  bodyMd: string,
  options: AttachmentOptions = {},
): Promise<{ body_md: string; attachments: AttachmentDescriptor[] }> {
  const attachments: AttachmentDescriptor[] = [];
  const replacements = new Map<string, string>();
  for (const match of bodyMd.matchAll(INLINE_IMAGE)) {
    const [whole, alt, uri] = match as unknown as [string, string, string];
    if (replacements.has(whole)) continue;
    const descriptor = await storeAttachment(env, { data: uri, filename: alt || undefined }, options);
    attachments.push(descriptor);
    const target = descriptor.type === "inline" ? `data:${descriptor.media_type};base64,${descriptor.data_base64}` : descriptor.url;
    replacements.set(whole, `![${alt}](${target})`);
  }
  let body = bodyMd;
  for (const [from, to] of replacements) body = body.split(from).join(to);
  return { body_md: body, attachments };
}

/** Reads a stored attachment by `<sha256>.<ext>`; undefined when absent. */
export async function readAttachment(env: Env, name: string): Promise<R2ObjectBody | undefined> {
  if (!/^[0-9a-f]{64}\.[a-z0-9]{1,10}$/.test(name)) return undefined;
  return (await env.ARCHIVE.get(attachmentKey(name))) ?? undefined;
}

/** An attachment's bytes as base64 with its media type, for the MCP resource; NOT_FOUND when absent. */
export async function readAttachmentBlob(env: Env, name: string): Promise<{ media_type: string; base64: string }> {
  const object = await readAttachment(env, name);
  if (!object) {
    throw new AppError("NOT_FOUND", `Attachment ${JSON.stringify(name.slice(0, 80))} not found; pass <sha256>.<ext> from the message's attachments.`);
  }
  return {
    media_type: object.httpMetadata?.contentType ?? "application/octet-stream",
    base64: toBase64(new Uint8Array(await object.arrayBuffer())),
  };
}

/** Whether prepareMessageAttachments would store anything: attachments were passed, or the body has inline images. */
export function messageAttachmentsRequired(input: { body_md: string; attachments?: AttachmentInput[] | undefined }): boolean {
  return (input.attachments?.length ?? 0) > 0 || HAS_INLINE_IMAGE.test(input.body_md);
}

/**
 * Everything send_message needs in one call, before its D1 write: stores `attachments` and converts data-URI
 * images embedded in the body. The descriptors go into messages.attachments (JSON) and the payload. Validation
 * failures (size, count, bad base64) throw before anything is sent.
 */
export async function prepareMessageAttachments(
  env: Env,
  input: { body_md: string; attachments?: AttachmentInput[] | undefined } & AttachmentOptions,
): Promise<{ body_md: string; attachments: AttachmentDescriptor[] }> {
  const embedded = [...input.body_md.matchAll(INLINE_IMAGE)].map((m) => ({ data: m[2]! }));
  for (const item of [...(input.attachments ?? []), ...embedded]) checkAttachment(item);
  const files = await storeAttachments(env, input.attachments ?? [], input);
  const inline = await convertInlineImages(env, input.body_md, input);
  return { body_md: inline.body_md, attachments: [...files, ...inline.attachments] };
}
