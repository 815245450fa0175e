/** The shape of a CLI command row and the MCP connection every command shares. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface CommandArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

export interface CliCommand {
  usage: string;
  summary: string;
  /** Resolves to the process exit code. */
  run(args: CommandArgs): Promise<number>;
}

/** A failure worth one line on stderr; exit codes follow sysexits (64 usage, 69 unavailable, 1 refused). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface McpConnection {
  call<T>(tool: string, args: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function connect(args: CommandArgs): Promise<McpConnection> {
  const url = stringFlag(args, "url") ?? process.env.PIGEONHOLE_URL;
  const token = stringFlag(args, "token") ?? process.env.PIGEONHOLE_TOKEN;
  if (!url) throw new CliError("no server: pass --url or set PIGEONHOLE_URL (e.g. http://127.0.0.1:8787)", 64);
  if (!token) throw new CliError("no credential: pass --token or set PIGEONHOLE_TOKEN", 64);
  const client = new Client({ name: "pigeonhole-cli", version: "0.1.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new CliError(`cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`, 69);
  }
  return {
    async call<T>(tool: string, toolArgs: Record<string, unknown>): Promise<T> {
      const result = (await client.callTool({ name: tool, arguments: toolArgs })) as CallToolResult;
      if (result.isError) {
        const error = (result.structuredContent as { error?: { type: string; message: string } } | undefined)?.error;
        throw new CliError(error ? `${error.type}: ${error.message}` : JSON.stringify(result.content));
      }
      return result.structuredContent as T;
    },
    close: () => client.close(),
  };
}

export function stringFlag(args: CommandArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === "string" ? value : undefined;
}

/** The positional id of a command, or a usage error naming it. */
export function idArg(args: CommandArgs, what: string): number {
  const id = Number(args.positional[0]);
  if (!Number.isInteger(id) || id <= 0) throw new CliError(`expected a ${what} id, e.g. 42`, 64);
  return id;
}
