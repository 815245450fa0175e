/** Every MCP tool, in the order tools/list publishes them. */
import type { ToolDefinition } from "../tool";
import {
  createAgentIdentityTool,
  hardDeleteAgentTool,
  listAgentsTool,
  registerAgentTool,
  retireAgentTool,
  unretireAgentTool,
  whoisTool,
} from "./agents";
import { listContactsTool, requestContactTool, respondContactTool, setContactPolicyTool } from "./contacts";
import { ensureProjectTool, healthCheck } from "./infrastructure";
import { macroContactHandshakeTool, macroPrepareThreadTool, macroStartSessionTool } from "./macros";
import {
  acknowledgeMessageTool,
  checkMyMessagesTool,
  fetchInboxTool,
  markMessageReadTool,
  replyMessageTool,
  sendMessageTool,
} from "./messages";
import { searchMessagesTool, summarizeThreadsTool, summarizeThreadTool } from "./search";

export const TOOLS: readonly ToolDefinition[] = [
  healthCheck,
  ensureProjectTool,
  registerAgentTool,
  createAgentIdentityTool,
  whoisTool,
  listAgentsTool,
  retireAgentTool,
  unretireAgentTool,
  hardDeleteAgentTool,
  sendMessageTool,
  replyMessageTool,
  fetchInboxTool,
  checkMyMessagesTool,
  markMessageReadTool,
  acknowledgeMessageTool,
  setContactPolicyTool,
  requestContactTool,
  respondContactTool,
  listContactsTool,
  searchMessagesTool,
  summarizeThreadTool,
  summarizeThreadsTool,
  macroStartSessionTool,
  macroPrepareThreadTool,
  macroContactHandshakeTool,
];
