/** Every MCP tool, in the order tools/list publishes them. */
import type { ToolDefinition } from "../tool";
import { CLAIMS_TOOLS } from "./claims";
import { ensureProjectTool, healthCheck } from "./infrastructure";

export const TOOLS: readonly ToolDefinition[] = [healthCheck, ensureProjectTool, ...CLAIMS_TOOLS];
