/**
 * Builds a fresh low-level MCP Server per request (sharing one across clients leaked responses,
 * CVE-2026-25536). We register tools/list and tools/call ourselves so that zod stays the single source
 * of schemas and every failure, including schema failures, is mapped to our typed errors exactly once.
 */
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { SERVICE_VERSION } from "../mail";
import { AppError, toWireError, type WireError } from "../shared/errors";
import { bindAgentArguments } from "./agent-binding";
import { recordToolCall } from "./metrics";
import { ALL_RESOURCE_TEMPLATES, FIXED_RESOURCES, readResource } from "./resources/catalog";
import type { ToolContext, ToolDefinition } from "./tool";
import { invalidArguments, toolFailure, toolSuccess } from "./results";
import { TOOLS } from "./tools";

/**
 * tools/call as the SDK sees it, but with `arguments` left for our zod schemas to judge: with the SDK's
 * strict schema a non-object `arguments` would surface as an internal error (-32603) instead of the
 * invalid-params error (-32602) the SDK's own tools/call wrapper then reports.
 */
const LooseCallToolRequestSchema = z.object({
  method: z.literal("tools/call"),
  params: z.looseObject({ name: z.string(), arguments: z.unknown().optional() }),
});

const TOOLS_BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));

/**
 * Whether a call changes nothing, for role checks: the tool is read-only, or the action it is called with
 * is. Unknown tools count as read-only here: the server answers them NOT_FOUND without side effects.
 */
export function isReadOnlyTool(name: string, action?: string): boolean {
  const tool = TOOLS_BY_NAME.get(name);
  if (!tool) return true;
  return tool.readOnly || (action !== undefined && (tool.readOnlyActions?.includes(action) ?? false));
}

const INSTRUCTIONS =
  "Pigeonhole: mail for coding agents and email campaigns. Start with ensure_project (absolute path of your " +
  "working directory), then register_agent; every tool returns typed errors whose message says how to fix the call.";

interface ActionBranch {
  properties: { action: { const: string }; payload?: Record<string, unknown> };
}

/** JSON Schema published for a tool, derived from its zod input (input side: defaults are optional). */
export function publishedInputSchema(tool: ToolDefinition): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" });
  const branches = (schema.oneOf ?? schema.anyOf) as ActionBranch[] | undefined;
  if (schema.type === "object" || !branches) return schema;
  // Clients require a top-level object schema: an `{action, payload}` union is published as an
  // `action` enum plus the per-action payload schemas, each titled with its action.
  return {
    type: "object",
    properties: {
      action: { type: "string", enum: branches.map((b) => b.properties.action.const) },
      payload: {
        anyOf: branches.map((b) => ({ title: `payload for action "${b.properties.action.const}"`, ...b.properties.payload })),
      },
    },
    required: ["action"],
  };
}

/**
 * The SDK builds an Ajv instance per Server unless given a validator, and a stateless endpoint builds a Server per
 * request: one shared validator (it only checks elicitation answers, which this server never asks for) saves that.
 */
let sharedValidator: AjvJsonSchemaValidator | undefined;

export function buildMcpServer(ctx: ToolContext): Server {
  sharedValidator ??= new AjvJsonSchemaValidator();
  const server = new Server(
    { name: "pigeonhole", version: SERVICE_VERSION },
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS, jsonSchemaValidator: sharedValidator },
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

  server.setRequestHandler(LooseCallToolRequestSchema, async (request) => {
    const tool = TOOLS_BY_NAME.get(request.params.name);
    let result;
    try {
      if (!tool) {
        throw new AppError("NOT_FOUND", `Unknown tool ${JSON.stringify(request.params.name)}; call tools/list.`);
      }
      const parsed = tool.input.safeParse(bindAgentArguments(tool, ctx.principal, request.params.arguments ?? {}));
      if (!parsed.success) throw invalidArguments(parsed.error);
      result = toolSuccess(await tool.run(ctx, parsed.data));
    } catch (err) {
      result = toolFailure(err, ctx.requestId);
    }
    // Unknown names are not counted so the table stays bounded; a due flush runs after the reply.
    const flush = tool ? recordToolCall(ctx.db, tool.name, result.isError === true) : undefined;
    if (flush) ctx.waitUntil(flush.catch(() => undefined));
    return result;
  });

  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: FIXED_RESOURCES }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: ALL_RESOURCE_TEMPLATES }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    try {
      return await readResource(ctx, request.params.uri);
    } catch (err) {
      throw resourceError(err, ctx.requestId);
    }
  });

  return server;
}

/**
 * Resource reads fail as JSON-RPC errors (the protocol has no isError for them): the message starts with
 * the stable TYPE like tool errors do, and `data` carries the same {type, message, details}.
 */
function resourceError(err: unknown, requestId: string): ResourceReadError {
  const wire = toWireError(err, requestId);
  const code = wire.type === "INTERNAL" ? ErrorCode.InternalError : wire.type === "NOT_FOUND" ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams;
  return new ResourceReadError(code, `${wire.type}: ${wire.message}`, wire);
}

/** The SDK sends a thrown error's code, message and data as the JSON-RPC error (McpError would prefix its text). */
class ResourceReadError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: WireError,
  ) {
    super(message);
  }
}

/** The MCP spec's code for an unknown resource. */
const RESOURCE_NOT_FOUND = -32002;
