/**
 * resource://claims/{slug}{?active_only}: a project's claims (live ones by default; `active_only=false` adds the
 * latest released and expired ones). Parsed by us, not the SDK's template matcher: query parameters in any order,
 * optional ones absent. Registered by the resource list in server.ts (see RESOURCE_TEMPLATE / readClaimsResource).
 */
import type { ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { claimsOfProject } from "../../coordinator";
import { AppError } from "../../shared/errors";
import type { ToolContext } from "../tool";
import { claimsDeps } from "../tools/claims";

export const CLAIMS_RESOURCE_TEMPLATE = {
  uriTemplate: "resource://claims/{slug}{?active_only}",
  name: "claims",
  title: "Project claims",
  description: "Claims (advisory leases) of a project: live ones, or with active_only=false the latest including released/expired.",
  mimeType: "application/json",
} as const;

const PREFIX = "resource://claims/";

export function isClaimsResource(uri: string): boolean {
  return uri.startsWith(PREFIX);
}

export async function readClaimsResource(ctx: ToolContext, uri: string): Promise<ReadResourceResult> {
  const rest = uri.slice(PREFIX.length);
  const [rawSlug = "", query = ""] = rest.split("?", 2);
  const slug = decodeURIComponent(rawSlug);
  if (slug === "") throw new AppError("INVALID_ARGUMENT", "Name the project: resource://claims/{slug}.");
  const activeParam = new URLSearchParams(query).get("active_only");
  const activeOnly = activeParam === null ? true : !["false", "0", "no"].includes(activeParam.toLowerCase());
  const listing = await claimsOfProject(claimsDeps(ctx), slug, activeOnly);
  return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify(listing) }] };
}
