export { ensureProject, resolveProject, slugify, isAbsolutePath, type Project } from "./projects";
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
  type SystemNotice,
  type StoredMessage,
} from "./delivery";
