/** Claims tools: advisory leases on paths/globs, decided atomically by the project's coordinator. */
import { z } from "zod";
import {
  checkClaimsAs,
  claimPathsAs,
  forceReleaseClaimAs,
  guardInstructions,
  guardUninstallInstructions,
  releaseClaimsAs,
  renewClaimsAs,
  DEFAULT_CLAIM_TTL_SECONDS,
  MAX_CLAIM_TTL_SECONDS,
  MIN_CLAIM_TTL_SECONDS,
  type ClaimsDeps,
} from "../../coordinator";
import { requireActingAgent, resolveProject, sendSystemMessage } from "../../mail";
import { defineTool, type ToolContext } from "../tool";
import { tokenOf } from "./fields";

/** The mail context's identity, project lookup and notices, handed to the coordinator as ports. */
export function claimsDeps(ctx: ToolContext): ClaimsDeps {
  return {
    env: ctx.env,
    db: ctx.db,
    waitUntil: (promise) => ctx.waitUntil(promise),
    authenticate: (projectKey, agentName, token) => requireActingAgent(ctx.db, projectKey, agentName, tokenOf(ctx, token)),
    resolveProject: (projectKey) => resolveProject(ctx.db, projectKey),
    notify: (notice) => sendSystemMessage(ctx.db, notice),
  };
}

const projectKey = z.string().min(1).max(1024).describe("Absolute path of the project's working directory, or its slug.");
const agentName = z.string().min(1).max(128).describe("Your agent name (as registered).");
const token = z
  .string()
  .max(256)
  .optional()
  .describe("Your registration_token, proving you are agent_name (not needed when the HTTP bearer is that token).");
const pathList = z
  .array(z.string().max(1024))
  .max(500)
  .describe("Paths or globs relative to the repository root, e.g. ['src/**', 'README.md']; a leading '/' is ignored. tool://… and service://… name virtual resources.");
const claimIds = z.array(z.number().int().positive()).max(500);

const claimInput = {
  project_key: projectKey,
  agent_name: agentName,
  paths: pathList,
  ttl_seconds: z
    .number()
    .int()
    .min(MIN_CLAIM_TTL_SECONDS)
    .max(MAX_CLAIM_TTL_SECONDS)
    .default(DEFAULT_CLAIM_TTL_SECONDS)
    .describe(`Lease length in seconds (default ${DEFAULT_CLAIM_TTL_SECONDS}, at least ${MIN_CLAIM_TTL_SECONDS}).`),
  exclusive: z.boolean().default(true).describe("Exclusive (default) conflicts with any other claim; shared ones conflict only with exclusive claims."),
  reason: z.string().max(500).default("").describe("Why you claim these paths; shown to other agents."),
  registration_token: token,
};

export const claimPathsTool = defineTool({
  name: "claim_paths",
  title: "Claim paths",
  description:
    "Takes advisory leases on paths or globs before editing them. Always granted; `conflicts` lists other agents' active " +
    "claims that can match a common path (at least one side exclusive). Re-claiming your own pattern updates that claim.",
  input: z.object(claimInput),
  readOnly: false,
  run: async (ctx, input) =>
    claimPathsAs(claimsDeps(ctx), input, input.paths, { ttl_seconds: input.ttl_seconds, exclusive: input.exclusive, reason: input.reason }),
});

const selectorInput = {
  project_key: projectKey,
  agent_name: agentName,
  paths: pathList.optional().describe("Only claims with exactly these patterns (omit for all your active claims)."),
  claim_ids: claimIds.optional().describe("Only these claim ids (omit for all your active claims)."),
  registration_token: token,
};

export const releaseClaimsTool = defineTool({
  name: "release_claims",
  title: "Release claims",
  description: "Releases your active claims: all of them, or those selected by paths and/or claim_ids. Others' claims are untouched.",
  input: z.object(selectorInput),
  readOnly: false,
  run: async (ctx, input) => releaseClaimsAs(claimsDeps(ctx), input, { paths: input.paths, claim_ids: input.claim_ids }),
});

export const renewClaimsTool = defineTool({
  name: "renew_claims",
  title: "Renew claims",
  description: `Extends your active claims by extend_seconds (at least ${MIN_CLAIM_TTL_SECONDS}). Expired claims are not revived: claim again.`,
  input: z.object({
    ...selectorInput,
    extend_seconds: z.number().int().min(1).max(MAX_CLAIM_TTL_SECONDS).default(1800).describe("Seconds to add to each claim's expiry (minimum bump 60)."),
  }),
  readOnly: false,
  run: async (ctx, input) => renewClaimsAs(claimsDeps(ctx), input, input.extend_seconds, { paths: input.paths, claim_ids: input.claim_ids }),
});

export const forceReleaseClaimTool = defineTool({
  name: "force_release_claim",
  title: "Force-release a stale claim",
  description:
    "Releases another agent's claim when that agent has been inactive for 30 minutes (RESERVATION_ACTIVE otherwise), " +
    "and tells the holder by message.",
  input: z.object({
    project_key: projectKey,
    agent_name: agentName,
    claim_id: z.number().int().positive().describe("Id of the claim to release (see resource://claims/{slug})."),
    note: z.string().max(2000).default("").describe("Added to the notification sent to the holder."),
    notify_previous: z.boolean().default(true).describe("Send the holder a message about the release (default true)."),
    registration_token: token,
  }),
  readOnly: false,
  run: async (ctx, input) => forceReleaseClaimAs(claimsDeps(ctx), input, input.claim_id, { note: input.note, notify: input.notify_previous }),
});

export const checkClaimsTool = defineTool({
  name: "check_claims",
  title: "Check paths against claims",
  description:
    "Read-only: which of these paths other agents hold exclusively. `blocking` is true when any do. The pre-commit guard calls this " +
    "with the staged paths; call it yourself before editing.",
  input: z.object({
    project_key: projectKey,
    agent_name: z.string().max(128).default("").describe("Whose own claims to ignore (the committer's AGENT_NAME); empty = nobody's."),
    paths: pathList,
  }),
  readOnly: true,
  run: async (ctx, input) => checkClaimsAs(claimsDeps(ctx), input.project_key, input.agent_name, input.paths),
});

export const installPrecommitGuardTool = defineTool({
  name: "install_precommit_guard",
  title: "Pre-commit guard: install instructions",
  description:
    "Returns the pre-commit hook files and the command that installs them into your repository (the server cannot write " +
    "into your repo). The hook blocks commits touching paths another agent claimed exclusively.",
  input: z.object({
    project_key: projectKey,
    code_repo_path: z.string().min(1).max(1024).describe("Absolute path of the git repository to guard."),
  }),
  readOnly: true,
  run: async (ctx, input) => guardInstructions(claimsDeps(ctx), input.project_key, input.code_repo_path),
});

export const uninstallPrecommitGuardTool = defineTool({
  name: "uninstall_precommit_guard",
  title: "Pre-commit guard: uninstall instructions",
  description: "Returns the command that removes the guard (only what install added; a chained original hook is restored).",
  input: z.object({
    code_repo_path: z.string().min(1).max(1024).describe("Absolute path of the guarded git repository."),
  }),
  readOnly: true,
  run: async (_ctx, input) => guardUninstallInstructions(input.code_repo_path),
});

export const macroClaimCycleTool = defineTool({
  name: "macro_claim_cycle",
  title: "Claim (and optionally release) in one call",
  description: "claim_paths, then (auto_release:true) release the same patterns: for short critical sections.",
  input: z.object({
    ...claimInput,
    auto_release: z.boolean().default(false).describe("Release the granted claims before returning."),
  }),
  readOnly: false,
  run: async (ctx, input) => {
    const claims = await claimPathsAs(claimsDeps(ctx), input, input.paths, {
      ttl_seconds: input.ttl_seconds,
      exclusive: input.exclusive,
      reason: input.reason,
    });
    const released = input.auto_release
      ? await releaseClaimsAs(claimsDeps(ctx), input, { claim_ids: claims.granted.map((g) => g.id) })
      : null;
    return { claims, released };
  },
});

export const CLAIMS_TOOLS = [
  claimPathsTool,
  releaseClaimsTool,
  renewClaimsTool,
  forceReleaseClaimTool,
  checkClaimsTool,
  installPrecommitGuardTool,
  uninstallPrecommitGuardTool,
  macroClaimCycleTool,
];
