/** The real MCP SDK client over Streamable HTTP, plus small helpers to read typed results. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Agent, fetch as undiciFetch } from "undici";

/**
 * Idle sockets are dropped after 1 s on our side: a test that idles longer than the server's keep-alive
 * would otherwise reuse a socket the server already closed and fail with "other side closed".
 */
const dispatcher = new Agent({ keepAliveTimeout: 1_000, keepAliveMaxTimeout: 1_000 });

const testFetch = ((input: string | URL, init?: RequestInit) =>
  undiciFetch(String(input), { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch;

export interface ToolError {
  type: string;
  message: string;
  details?: Record<string, unknown>;
}

export async function connectMcp(baseUrl: string, token: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "pigeonhole-tests", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", baseUrl), {
    requestInit: { headers: { Authorization: `Bearer ${token}`, ...headers } },
    fetch: testFetch,
  });
  await client.connect(transport);
  return client;
}

export async function callOk<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) {
    throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent ?? result.content)}`);
  }
  return result.structuredContent as T;
}

export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolError> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (!result.isError) throw new Error(`${name} unexpectedly succeeded: ${JSON.stringify(result.structuredContent)}`);
  const error = (result.structuredContent as { error: ToolError }).error;
  const text = (result.content[0] as { text: string }).text;
  if (!text.startsWith(`${error.type}: `)) throw new Error(`error text does not start with its type: ${text}`);
  return error;
}

/** A JSON-RPC POST to /mcp without the SDK, for testing the HTTP edge itself. */
export function rawMcpPost(baseUrl: string, headers: Record<string, string>, body: unknown = { jsonrpc: "2.0", id: 1, method: "tools/list" }): Promise<Response> {
  return fetch(new URL("/mcp", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
}
