/**
 * Agent-bound connections: when the HTTP bearer is an agent's registration token, every tool that acts as
 * an agent acts as that one. Before zod parses the arguments, a missing project_key or acting-agent name is
 * filled in from the credential, and naming another project or agent is refused (FORBIDDEN), even with
 * that agent's own token in the arguments: a connection speaks for exactly one agent.
 *
 * A tool acts as an agent when its schema takes the acting agent's token (`registration_token`,
 * `sender_token`); the name field is the tool's `actsAs`, else `sender_name`, else `agent_name`.
 */
import type { BoundAgent, Principal } from "../auth";
import { slugify } from "../mail";
import { AppError } from "../shared/errors";
import type { ToolDefinition } from "./tool";

const TOKEN_FIELDS = ["registration_token", "sender_token"] as const;
const DEFAULT_NAME_FIELDS = ["sender_name", "agent_name"] as const;
/** The project an acting tool works in (macro_start_session names it by path). */
const PROJECT_FIELDS = ["project_key", "human_key"] as const;

/** Top-level fields of an object input; `{action, payload}` union tools have none of the acting fields. */
function shapeOf(tool: ToolDefinition): Record<string, unknown> {
  return "shape" in tool.input ? (tool.input.shape as Record<string, unknown>) : {};
}

/** The argument naming the acting agent, or undefined when the tool does not act as an agent. */
export function actingAgentField(tool: ToolDefinition): string | undefined {
  const shape = shapeOf(tool);
  if (!TOKEN_FIELDS.some((field) => field in shape)) return undefined;
  if (tool.actsAs !== undefined) return tool.actsAs;
  return DEFAULT_NAME_FIELDS.find((field) => field in shape);
}

function sameProject(key: string, agent: BoundAgent): boolean {
  const trimmed = key.trim();
  return trimmed === agent.projectHumanKey || slugify(trimmed) === agent.projectSlug;
}

/** Agent names compare case-insensitively, as registration does. */
function sameAgent(name: string, agent: BoundAgent): boolean {
  return name.trim().toLowerCase() === agent.name.toLowerCase();
}

/** Arguments as bound to the connection's agent; anything but a plain object is left for zod to reject. */
export function bindAgentArguments(tool: ToolDefinition, principal: Principal, args: unknown): unknown {
  const agent = principal.agent;
  const nameField = actingAgentField(tool);
  if (principal.kind !== "agent" || agent === undefined || nameField === undefined) return args;
  if (typeof args !== "object" || args === null || Array.isArray(args)) return args;
  const bound: Record<string, unknown> = { ...args };
  const shape = shapeOf(tool);

  for (const field of PROJECT_FIELDS) {
    if (!(field in shape)) continue;
    const key = bound[field];
    if (key === undefined || key === "") bound[field] = field === "human_key" ? agent.projectHumanKey : agent.projectSlug;
    else if (typeof key === "string" && !sameProject(key, agent)) {
      throw forbidden(agent, `project ${JSON.stringify(key.slice(0, 200))}`);
    }
  }
  const name = bound[nameField];
  if (name === undefined || name === "") bound[nameField] = agent.name;
  else if (typeof name === "string" && !sameAgent(name, agent)) throw forbidden(agent, `agent ${JSON.stringify(name.slice(0, 128))}`);
  return bound;
}

function forbidden(agent: BoundAgent, other: string): AppError {
  return new AppError(
    "FORBIDDEN",
    `This connection is bound to agent ${agent.name} of project ${agent.projectSlug} (its registration token is the bearer); ` +
      `it cannot act as ${other}. Omit the name to act as ${agent.name}, or connect with that agent's own token.`,
    { bound_agent: agent.name, project: agent.projectSlug },
  );
}
