/** Every MCP tool, in the order tools/list publishes them. */
import type { ToolDefinition } from "../tool";
import { ARCHIVE_TOOLS } from "./archive";
import { CLAIMS_TOOLS } from "./claims";
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
import { campaignMailboxTool, campaignsTool, mailboxesTool, suppressionsTool } from "./campaigns";
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
  mailboxesTool,
  campaignsTool,
  campaignMailboxTool,
  suppressionsTool,
  ...CLAIMS_TOOLS,
  ...ARCHIVE_TOOLS,
];
