/**
 * Claims as an agent: authenticate the acting agent, ask the coordinator, and do the follow-ups (notify the holder
 * of a force release, archive that notice). Identity and messaging belong to the mail context; they come in as
 * ports (`ClaimsDeps`) so this context does not import mail (mail imports us for the contact heuristic).
 */
import { and, eq } from "drizzle-orm";
import { agents, type Db } from "../db";
import {
  GUARD_CHECK_FILE,
  GUARD_HOOK_NAME,
  guardCheckScript,
  guardInstallCommand,
  guardUninstallCommand,
  guardWrapperScript,
} from "../shared/guard-script";
import { agentLastActive, archiveStoredMessage } from "./archive-d1";
import {
  checkClaims,
  claimPaths,
  forceReleaseClaim,
  listClaims,
  releaseClaims,
  renewClaims,
  type ClaimFilter,
  type ClaimOptions,
} from "./claims-service";
import type { AgentRef, CheckResult, ClaimRecord, ClaimResult, ForceReleaseResult, ReleaseResult, RenewResult } from "./types";

export interface ProjectInfo {
  id: number;
  slug: string;
  human_key: string;
}

export interface ClaimsDeps {
  env: Env;
  db: Db;
  waitUntil(promise: Promise<unknown>): void;
  /** The mail context's identity check (registration token or agent bearer); throws AUTHENTICATION_REQUIRED. */
  authenticate(projectKey: string, agentName: string, token: string | undefined): Promise<{ project: ProjectInfo; agent: AgentRef }>;
  resolveProject(projectKey: string): Promise<ProjectInfo>;
  /** Sends a server notice from one agent to others (bypasses contact policy). */
  notify(notice: { projectId: number; fromAgentId: number; toAgentIds: number[]; subject: string; bodyMd: string }): Promise<{ id: number }>;
}

export interface Identity {
  project_key: string;
  agent_name: string;
  registration_token?: string | undefined;
}

async function acting(deps: ClaimsDeps, who: Identity) {
  return deps.authenticate(who.project_key, who.agent_name, who.registration_token);
}

export async function claimPathsAs(deps: ClaimsDeps, who: Identity, paths: string[], options: ClaimOptions): Promise<ClaimResult> {
  const { project, agent } = await acting(deps, who);
  return claimPaths(deps.env, project, agent, paths, options);
}

export async function releaseClaimsAs(deps: ClaimsDeps, who: Identity, filter: ClaimFilter): Promise<ReleaseResult> {
  const { project, agent } = await acting(deps, who);
  return releaseClaims(deps.env, project, agent, filter);
}

export async function renewClaimsAs(deps: ClaimsDeps, who: Identity, extendSeconds: number, filter: ClaimFilter): Promise<RenewResult> {
  const { project, agent } = await acting(deps, who);
  return renewClaims(deps.env, project, agent, extendSeconds, filter);
}

export interface ForceReleaseReply extends ForceReleaseResult {
  notified: boolean;
  notification_error?: string;
}

export async function forceReleaseClaimAs(
  deps: ClaimsDeps,
  who: Identity,
  claimId: number,
  options: { note: string; notify: boolean },
): Promise<ForceReleaseReply> {
  const { project, agent } = await acting(deps, who);
  const result = await forceReleaseClaim(deps.env, project, agent, claimId, (holder) => agentLastActive(deps.db, holder.id));
  if (result.released !== 1 || !options.notify || result.claim.agent_id === agent.id) return { ...result, notified: false };
  try {
    const notice = await deps.notify({
      projectId: project.id,
      fromAgentId: agent.id,
      toAgentIds: [result.claim.agent_id],
      subject: `Your claim on ${result.claim.path_pattern} was force-released`,
      bodyMd:
        `${agent.name} released your claim **${result.claim.path_pattern}** (id ${result.claim.id}) after you were inactive ` +
        `for more than 30 minutes.${options.note ? `\n\nNote: ${options.note}` : ""}\n\nClaim it again with claim_paths if you still need it.`,
    });
    deps.waitUntil(archiveStoredMessage(deps.env, deps.db, project, notice.id));
    return { ...result, notified: true };
  } catch (err) {
    // The release stands; a lost notice is reported, not turned into a failed call.
    return { ...result, notified: false, notification_error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The guard's read-only check. The committer is named, not authenticated (a hook has no registration token): the
 * name only decides whose claims are "own"; an unknown or empty name makes every exclusive claim count.
 */
export async function checkClaimsAs(deps: ClaimsDeps, projectKey: string, agentName: string, paths: string[]): Promise<CheckResult> {
  const project = await deps.resolveProject(projectKey);
  const agent = await findAgent(deps.db, project.id, agentName);
  return checkClaims(deps.env, project, agent ?? { id: 0, name: agentName }, paths);
}

async function findAgent(db: Db, projectId: number, name: string): Promise<AgentRef | undefined> {
  if (name.trim() === "") return undefined;
  const row = await db.query.agents.findFirst({
    where: and(eq(agents.projectId, projectId), eq(agents.nameKey, name.trim().toLowerCase())),
    columns: { id: true, name: true },
  });
  return row ?? undefined;
}

export interface ClaimsListing {
  project: string;
  active_only: boolean;
  claims: ClaimRecord[];
}

/** resource://claims/{slug}{?active_only}: live claims (or the latest 1000 incl. released) of a project. */
export async function claimsOfProject(deps: Pick<ClaimsDeps, "env" | "resolveProject">, projectKey: string, activeOnly: boolean): Promise<ClaimsListing> {
  const project = await deps.resolveProject(projectKey);
  return { project: project.slug, active_only: activeOnly, claims: await listClaims(deps.env, project, activeOnly) };
}

export async function guardInstructions(deps: Pick<ClaimsDeps, "env" | "resolveProject">, projectKey: string, repoPath: string) {
  const project = await deps.resolveProject(projectKey);
  const baseUrl = deps.env.PUBLIC_BASE_URL.replace(/\/+$/, "");
  return {
    project: project.slug,
    install_command: guardInstallCommand(repoPath, baseUrl, project.human_key),
    uninstall_command: guardUninstallCommand(repoPath),
    hooks_dir: "the output of `git rev-parse --git-path hooks` in the repository (honours core.hooksPath)",
    files: [
      { name: GUARD_HOOK_NAME, mode: "0755", content: guardWrapperScript(), note: `an existing ${GUARD_HOOK_NAME} is moved to ${GUARD_HOOK_NAME}.pigeonhole-orig and still runs` },
      { name: GUARD_CHECK_FILE, mode: "0755", content: guardCheckScript() },
    ],
    git_config: { "pigeonhole.url": baseUrl, "pigeonhole.project": project.human_key },
    environment: {
      AGENT_NAME: "your agent name (whose claims are your own)",
      PIGEONHOLE_TOKEN: "the server's bearer token (or git config pigeonhole.token)",
      PIGEONHOLE_GUARD_MODE: "warn = report conflicts but never block",
      PIGEONHOLE_GUARD_BYPASS: "1 = skip the check (git commit --no-verify also skips it)",
    },
  };
}

export function guardUninstallInstructions(repoPath: string) {
  return {
    uninstall_command: guardUninstallCommand(repoPath),
    removes: [`${GUARD_HOOK_NAME} (only if it is ours; a chained original is moved back)`, GUARD_CHECK_FILE, "git config section pigeonhole"],
  };
}
