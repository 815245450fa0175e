/** The MCP connection CLI commands share: SDK client over Streamable HTTP, typed tool errors as CliError. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CliError } from "./command";

export interface McpConnection {
  /** The tool's structuredContent; a tool error becomes a CliError "TYPE: message". */
  call<T>(tool: string, args: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Connection options every MCP-backed command accepts. */
export const CONNECTION_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
} as const;

export async function connectMcp(values: Record<string, string | boolean | undefined>): Promise<McpConnection> {
  const url = (typeof values.url === "string" && values.url) || process.env.PIGEONHOLE_URL;
  const token = (typeof values.token === "string" && values.token) || process.env.PIGEONHOLE_TOKEN;
  if (!url) throw new CliError("no server: pass --url or set PIGEONHOLE_URL (e.g. http://127.0.0.1:8787)");
  if (!token) throw new CliError("no credential: pass --token or set PIGEONHOLE_TOKEN");
  const client = new Client({ name: "pigeonhole-cli", version: "0.1.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new CliError(`cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    async call<T>(tool: string, args: Record<string, unknown>): Promise<T> {
      const result = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
      if (result.isError) {
        const error = (result.structuredContent as { error?: { type: string; message: string } } | undefined)?.error;
        throw new CliError(error ? `${error.type}: ${error.message}` : JSON.stringify(result.content));
      }
      return result.structuredContent as T;
    },
    close: () => client.close(),
  };
}
