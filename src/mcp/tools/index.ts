/** Every MCP tool, in the order tools/list publishes them. */
import type { ToolDefinition } from "../tool";
import { campaignMailboxTool, campaignsTool, mailboxesTool, suppressionsTool } from "./campaigns";
import { ensureProjectTool, healthCheck } from "./infrastructure";

export const TOOLS: readonly ToolDefinition[] = [
  healthCheck,
  ensureProjectTool,
  mailboxesTool,
  campaignsTool,
  campaignMailboxTool,
  suppressionsTool,
];
