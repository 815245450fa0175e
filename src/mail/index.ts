export { ensureProject, resolveProject, listProjects, slugify, isAbsolutePath, type Project } from "./projects";
export { healthReport, databaseReady, SERVICE_VERSION, type HealthReport } from "./health";
export {
  registerAgent,
  createAgentIdentity,
  requireActingAgent,
  type ActingAgent,
  type AgentProfile,
  type RegisteredAgent,
  type RegisterInput,
} from "./agents";
export { decideName, generateName, nameMistake } from "./names";
export {
  sendSystemMessage,
  SUBJECT_MAX_CHARS,
  type InboxNotifier,
  type DeliveryEvent,
  type SystemNotice,
  type StoredMessage,
} from "./delivery";
export { whois, listAgents, type DirectoryEntry, type WhoisResult } from "./directory";
export { retireAgent, unretireAgent, hardDeleteAgent, HARD_DELETE_CONFIRMATION } from "./lifecycle";
export {
  sendMessage,
  replyMessage,
  type SendDeps,
  type SendInput,
  type SendResult,
  type MessagePayload,
  IMPORTANCE_LEVELS,
} from "./send";
export { sendMessageAs } from "./one-trip-send";
export { type AgentCredentials } from "./acting-sql";
export { fetchInbox, fetchOutbox, normalizeLimit, type InboxFilter, type InboxItem, type OutboxItem } from "./inbox";
export { markMessageRead, acknowledgeMessage } from "./receipts";
export { loadVisibleMessage, messageView, type VisibleMessage } from "./visibility";
export {
  setContactPolicy,
  requestContact,
  respondContact,
  listContacts,
  normalizePolicy,
  CONTACT_POLICIES,
} from "./contacts";
export { evaluateContacts, NO_CONTACT_SIGNALS, type ContactSignals } from "./contact-policy";
export { searchMessages, searchMessagesAs, prepareFtsQuery, fallbackFtsQuery, type SearchHit } from "./search";
export { summarizeThread, summarizeThreads, loadThread, summarize, type ThreadSummary } from "./summaries";
export { macroStartSession, macroPrepareThread, macroContactHandshake } from "./macros";
export { INBOX_DEFAULT_LIMIT, INBOX_MAX_LIMIT } from "./inbox";
export { REQUEST_TTL_SECONDS, APPROVAL_TTL_SECONDS } from "./contacts";
export { EXCHANGE_WINDOW_SECONDS } from "./contact-policy";
export { BROADCAST_ACTIVE_WINDOW_SECONDS } from "./directory";
export { findAgentByToken, type TokenAgent } from "./agent-tokens";
export {
  overseerMailbox,
  overseerThread,
  overseerSearch,
  sendAsOverseer,
  OVERSEER_NAME,
  type OverseerMessage,
  type ThreadMessage,
} from "./overseer";
