export { createDb, type Db } from "./client";
export {
  projects,
  agents,
  messages,
  messageRecipients,
  contacts,
  toolMetrics,
  type ProjectRow,
  type AgentRow,
  type MessageRow,
  type MessageRecipientRow,
  type ContactRow,
} from "./schema";
