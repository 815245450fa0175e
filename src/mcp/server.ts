/**
 * Builds a fresh low-level MCP Server per request (sharing one across clients leaked responses,
 * CVE-2026-25536). We register tools/list and tools/call ourselves so that zod stays the single source
 * of schemas and every failure, including schema failures, is mapped to our typed errors exactly once.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { SERVICE_VERSION } from "../mail";
import { AppError } from "../shared/errors";
import { bindAgentArguments } from "./agent-binding";
import type { ToolContext, ToolDefinition } from "./tool";
import { invalidArguments, toolFailure, toolSuccess } from "./results";
import { TOOLS } from "./tools";

const TOOLS_BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));

/** Unknown tools count as read-only here: the server answers them NOT_FOUND without side effects. */
export function isReadOnlyTool(name: string): boolean {
  return TOOLS_BY_NAME.get(name)?.readOnly ?? true;
}

const INSTRUCTIONS =
  "Pigeonhole: mail for coding agents and email campaigns. Start with ensure_project (absolute path of your " +
  "working directory), then register_agent; every tool returns typed errors whose message says how to fix the call.";

/** JSON Schema published for a tool, derived from its zod input (input side: defaults are optional). */
export function publishedInputSchema(tool: ToolDefinition): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" });
  return schema;
}

export function buildMcpServer(ctx: ToolContext): Server {
  const server = new Server(
    { name: "pigeonhole", version: SERVICE_VERSION },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: publishedInputSchema(tool) as { type: "object" },
      annotations: { title: tool.title, readOnlyHint: tool.readOnly },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = TOOLS_BY_NAME.get(request.params.name);
    try {
      if (!tool) {
        throw new AppError("NOT_FOUND", `Unknown tool ${JSON.stringify(request.params.name)}; call tools/list.`);
      }
      const parsed = tool.input.safeParse(bindAgentArguments(tool, ctx.principal, request.params.arguments ?? {}));
      if (!parsed.success) throw invalidArguments(parsed.error);
      return toolSuccess(await tool.run(ctx, parsed.data));
    } catch (err) {
      return toolFailure(err, ctx.requestId);
    }
  });

  return server;
}
