/** Every MCP tool, in the order tools/list publishes them. */
import type { ToolDefinition } from "../tool";
import { ensureProjectTool, healthCheck } from "./infrastructure";

export const TOOLS: readonly ToolDefinition[] = [healthCheck, ensureProjectTool];
