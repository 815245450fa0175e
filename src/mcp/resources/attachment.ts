/**
 * resource://attachment/{name}: a stored attachment (`<sha256>.<ext>`, as in the message's attachments[].path)
 * returned as a base64 blob with its media type. Registered by the resource list in server.ts.
 */
import type { ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { readAttachmentBlob } from "../../coordinator";
import type { ToolContext } from "../tool";

export const ATTACHMENT_RESOURCE_TEMPLATE = {
  uriTemplate: "resource://attachment/{name}",
  name: "attachment",
  title: "Message attachment",
  description: "An attachment stored by send_message (WebP for converted images), by its <sha256>.<ext> name.",
} as const;

const PREFIX = "resource://attachment/";

export function isAttachmentResource(uri: string): boolean {
  return uri.startsWith(PREFIX);
}

export async function readAttachmentResource(ctx: ToolContext, uri: string): Promise<ReadResourceResult> {
  const name = decodeURIComponent(uri.slice(PREFIX.length).split("?")[0] ?? "").split("/").pop() ?? "";
  const blob = await readAttachmentBlob(ctx.env, name);
  return { contents: [{ uri, mimeType: blob.media_type, blob: blob.base64 }] };
}
