/** What a CLI command is (the table in main.ts lists them), the user-fixable error, and the shared MCP connection. */
import type { ParseArgsConfig } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export type OptionValues = Record<string, string | boolean | undefined>;

export interface CliCommand {
  /** Words that select the command, e.g. ["guard", "install"]. */
  path: string[];
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: OptionValues, positionals: string[]): Promise<number>;
}

/**
 * A failure the user can fix; printed as one line without a stack trace. Exit codes follow sysexits where
 * one fits (64 usage, 69 service unavailable); 2 otherwise.
 */
export class CliError extends Error {
  override readonly name = "CliError";

  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** --url/--token, shared by every command that talks to the server. */
export const CONNECTION_OPTIONS = { url: { type: "string" }, token: { type: "string" } } as const;

export interface McpConnection {
  call<T>(tool: string, args: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Connects the SDK client to --url/PIGEONHOLE_URL with --token/PIGEONHOLE_TOKEN as the bearer. */
export async function connect(values: OptionValues): Promise<McpConnection> {
  const url = stringOption(values, "url") ?? process.env.PIGEONHOLE_URL;
  const token = stringOption(values, "token") ?? process.env.PIGEONHOLE_TOKEN;
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
        throw new CliError(error ? `${error.type}: ${error.message}` : JSON.stringify(result.content), 1);
      }
      return result.structuredContent as T;
    },
    close: () => client.close(),
  };
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** The first positional as a positive integer id, or a usage error naming what was expected. */
export function idArg(positionals: string[], what: string): number {
  const id = Number(positionals[0]);
  if (!Number.isInteger(id) || id <= 0) throw new CliError(`expected a ${what} id, e.g. 42`, 64);
  return id;
}
