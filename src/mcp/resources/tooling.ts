/**
 * resource://tooling/directory (derived from TOOLS, so every tool named exists and every tool is named),
 * resource://tooling/metrics (from D1) and resource://config/environment (non-secret settings only).
 */
import type { Db } from "../../db";
import {
  APPROVAL_TTL_SECONDS,
  BROADCAST_ACTIVE_WINDOW_SECONDS,
  EXCHANGE_WINDOW_SECONDS,
  INBOX_DEFAULT_LIMIT,
  INBOX_MAX_LIMIT,
  REQUEST_TTL_SECONDS,
  SERVICE_VERSION,
  SUBJECT_MAX_CHARS,
} from "../../mail";
import { nowIso } from "../../shared/time";
import { readToolMetrics } from "../metrics";
import type { ToolDefinition } from "../tool";
import { TOOLS } from "../tools";

const CLUSTERS: ReadonlyArray<{ name: string; purpose: string; match: (tool: string) => boolean }> = [
  { name: "infrastructure", purpose: "Server health and project setup.", match: (t) => ["health_check", "ensure_project"].includes(t) },
  {
    name: "identity",
    purpose: "Register agents, look them up, manage the roster.",
    match: (t) => ["register_agent", "create_agent_identity", "whois", "list_agents", "retire_agent", "unretire_agent", "hard_delete_agent"].includes(t),
  },
  {
    name: "messaging",
    purpose: "Send, reply, read and acknowledge mail.",
    match: (t) => ["send_message", "reply_message", "fetch_inbox", "check_my_messages", "mark_message_read", "acknowledge_message"].includes(t),
  },
  { name: "contact", purpose: "Who may message whom.", match: (t) => t.includes("contact") && !t.startsWith("macro_") },
  { name: "search", purpose: "Find and summarise mail.", match: (t) => t.startsWith("search_") || t.startsWith("summarize_") },
  { name: "claims", purpose: "Advisory file claims and the pre-commit guard.", match: (t) => t.includes("claim") && !t.startsWith("macro_") || t.includes("guard") },
  { name: "workflow_macros", purpose: "Common sequences in one call.", match: (t) => t.startsWith("macro_") },
];

const PLAYBOOKS: ReadonlyArray<{ workflow: string; sequence: string[] }> = [
  { workflow: "Start a session", sequence: ["macro_start_session", "fetch_inbox", "acknowledge_message"] },
  { workflow: "Reach a new agent", sequence: ["list_agents", "request_contact", "send_message"] },
  { workflow: "Join a thread", sequence: ["macro_prepare_thread", "reply_message"] },
  { workflow: "Triage mail", sequence: ["fetch_inbox", "mark_message_read", "acknowledge_message", "reply_message"] },
  { workflow: "Edit shared files", sequence: ["claim_paths", "send_message", "release_claims"] },
  { workflow: "Find history", sequence: ["search_messages", "summarize_thread"] },
];

function clusterOf(tool: ToolDefinition): string {
  return CLUSTERS.find((c) => c.match(tool.name))?.name ?? "other";
}

export function toolingDirectory(tools: readonly ToolDefinition[] = TOOLS): Record<string, unknown> {
  const names = new Set(tools.map((t) => t.name));
  const clusters = [...CLUSTERS.map((c) => ({ name: c.name, purpose: c.purpose })), { name: "other", purpose: "Other tools." }]
    .map((cluster) => ({
      ...cluster,
      tools: tools
        .filter((tool) => clusterOf(tool) === cluster.name)
        .map((tool) => ({ name: tool.name, title: tool.title, summary: tool.description.split(/(?<=\.)\s/)[0], read_only: tool.readOnly })),
    }))
    .filter((cluster) => cluster.tools.length > 0);
  return {
    generated_at: nowIso(),
    metrics_uri: "resource://tooling/metrics",
    tool_count: tools.length,
    clusters,
    // A playbook step that names a tool this server lacks (e.g. claims before they land) is left out.
    playbooks: PLAYBOOKS.map((p) => ({ workflow: p.workflow, sequence: p.sequence.filter((s) => names.has(s)) })).filter((p) => p.sequence.length > 1),
  };
}

export async function toolingMetrics(db: Db): Promise<Record<string, unknown>> {
  const counts = await readToolMetrics(db);
  return {
    generated_at: nowIso(),
    since: [...counts.values()].map((c) => c.first_call_ts).sort()[0] ?? null,
    tools: TOOLS.map((tool) => ({
      name: tool.name,
      cluster: clusterOf(tool),
      calls: counts.get(tool.name)?.calls ?? 0,
      errors: counts.get(tool.name)?.errors ?? 0,
      last_call_ts: counts.get(tool.name)?.last_call_ts ?? null,
    })),
  };
}

/** Only settings that are safe to show; secrets (tokens, keys) never appear here by construction. */
export function configEnvironment(env: Env): Record<string, unknown> {
  return {
    environment: "cloudflare-workers",
    version: SERVICE_VERSION,
    public_base_url: env.PUBLIC_BASE_URL,
    allowed_origins: env.ALLOWED_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean),
    allow_private_mail_hosts: env.ALLOW_PRIVATE_MAIL_HOSTS === "true",
    sidecar: env.SIDECAR_URL ? "local process" : "container",
    mcp: { path: "/mcp", transport: "streamable-http", json_responses: true, stateless: true, events_path: "/mcp/events" },
    mail: {
      subject_max_chars: SUBJECT_MAX_CHARS,
      inbox_limit: { default: INBOX_DEFAULT_LIMIT, max: INBOX_MAX_LIMIT },
      contact_policy_default: "auto",
      contact_request_ttl_seconds: REQUEST_TTL_SECONDS,
      contact_approval_ttl_seconds: APPROVAL_TTL_SECONDS,
      exchange_window_seconds: EXCHANGE_WINDOW_SECONDS,
      broadcast_active_window_seconds: BROADCAST_ACTIVE_WINDOW_SECONDS,
    },
  };
}
