/** Input fields shared by the agent-mail tools, each with the description clients see. */
import { z } from "zod";
import type { ToolContext } from "../tool";

export const projectKey = z
  .string()
  .min(1)
  .max(1024)
  .describe("Absolute path of the working directory (as given to ensure_project) or the project's slug.");

export const agentName = (what = "The agent acting in this call") => z.string().min(1).max(128).describe(`${what} (its registered name).`);

export const registrationToken = z
  .string()
  .max(512)
  .optional()
  .describe("The acting agent's registration_token (returned once by register_agent). Optional if the HTTP bearer is that token.");

export const messageId = z
  .union([z.number().int().positive(), z.string().regex(/^\d{1,15}$/).transform(Number)])
  .describe("A message id from fetch_inbox, search_messages or a send result.");

const address = z.string().max(300);

/** `to`/`cc`/`bcc`: a name, a list of names, `Name@<slug>` or `project:<slug>#Name`. */
export const recipients = (what: string) =>
  z
    .union([address, z.array(address).max(1000)])
    .optional()
    .describe(`${what}: agent names (a string or a list, at most 1000). Another project: Name@<slug> or project:<slug>#Name.`);

export function asList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map((v) => v.trim()).filter((v) => v !== "");
}

export const limit = (fallback: number) =>
  z.number().int().optional().describe(`How many to return (default ${fallback}, 1-1000; larger is capped; 0 is INVALID_LIMIT).`);

export const sinceTs = z.string().max(64).optional().describe("Only messages strictly newer than this ISO-8601 time, e.g. 2026-01-31T12:00:00Z.");

/** The token proving the acting agent: explicit argument first, then an agent bearer. */
export function tokenOf(ctx: ToolContext, ...candidates: Array<string | undefined>): string | undefined {
  for (const candidate of candidates) if (candidate !== undefined && candidate !== "") return candidate;
  return ctx.agentBearer;
}
