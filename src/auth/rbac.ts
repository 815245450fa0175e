/**
 * Role checks on JSON-RPC calls: readers may initialise, list and read, and call read-only tools;
 * writers may do everything. Decided before the request reaches the MCP server.
 */
import { AppError } from "../shared/errors";
import type { Principal } from "./principal";

export interface RpcCall {
  method: string;
  /** tools/call only */
  toolName?: string;
  /** tools/call of an `{action, payload}` tool: the action asked for */
  action?: string;
}

/** Methods that never change state, whatever their arguments. */
const READ_METHODS = new Set([
  "initialize",
  "ping",
  "tools/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
]);

export function authorizeCalls(
  principal: Principal,
  calls: RpcCall[],
  isReadOnlyTool: (name: string, action?: string) => boolean,
): void {
  if (principal.role === "writer") return;
  for (const call of calls) {
    if (call.method.startsWith("notifications/") || READ_METHODS.has(call.method)) continue;
    if (call.method === "tools/call" && call.toolName !== undefined && isReadOnlyTool(call.toolName, call.action)) continue;
    throw new AppError(
      "FORBIDDEN",
      `Role 'reader' may not call ${[call.toolName ?? call.method, call.action].filter(Boolean).join(" ")}; it needs a writer credential.`,
      {
        method: call.method,
        ...(call.toolName === undefined ? {} : { tool: call.toolName }),
        ...(call.action === undefined ? {} : { action: call.action }),
      },
    );
  }
}

/** The JSON-RPC requests in a POST body (single or batch), as far as routing decisions need them. */
export function rpcCallsOf(body: unknown): RpcCall[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((message): RpcCall[] => {
    if (typeof message !== "object" || message === null) return [];
    const { method, params } = message as { method?: unknown; params?: { name?: unknown; arguments?: { action?: unknown } } };
    if (typeof method !== "string") return [];
    const toolName = method === "tools/call" && typeof params?.name === "string" ? params.name : undefined;
    if (toolName === undefined) return [{ method }];
    const action = params?.arguments?.action;
    return [typeof action === "string" ? { method, toolName, action } : { method, toolName }];
  });
}
