/**
 * A tool is a zod input schema plus a handler that calls one service. The schema is the single
 * source of the published inputSchema, of input validation and of the handler's argument type.
 */
import type { z } from "zod";
import type { Principal } from "../auth";
import type { Db } from "../db";
import type { ContactSignals, InboxNotifier } from "../mail";

export interface ToolContext {
  env: Env;
  db: Db;
  requestId: string;
  /** The authenticated caller (static token, JWT, OAuth connector, or an agent's own token). */
  principal: Principal;
  /**
   * The HTTP bearer when it is an agent's registration token (principal kind "agent"): it authenticates
   * acting calls that pass no token argument.
   */
  agentBearer?: string | undefined;
  /** Push: pokes subscribers when mail is delivered (absent in unit tests). */
  notifier?: InboxNotifier | undefined;
  /** Facts other contexts own that widen who may message whom (overlapping claims); none by default. */
  contactSignals?: ContactSignals | undefined;
  /** Lets a handler finish background work (archive writes, notifications) after replying. */
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Inputs are a zod object, or a discriminated union of objects on `action` for the `{action, payload}`
 * tools of the campaigns half (published as one object schema, see publishedInputSchema).
 */
export type ToolInput = z.ZodObject | z.ZodDiscriminatedUnion<z.ZodObject[]>;

export interface ToolDefinition<Input extends ToolInput = ToolInput> {
  name: string;
  title: string;
  description: string;
  input: Input;
  /** Read-only tools never change state; readers (RBAC) may call only these. */
  readOnly: boolean;
  /** For `{action, payload}` tools that are not read-only as a whole: the actions that are (readers may call them). */
  readOnlyActions?: readonly string[];
  /**
   * For tools that act as an agent: the argument naming it, when it is neither `sender_name` nor
   * `agent_name` (e.g. `to_agent` for respond_contact). See agent-binding.ts.
   */
  actsAs?: string;
  run(ctx: ToolContext, input: z.output<Input>): Promise<object>;
}

/** Keeps the handler's input type tied to its schema at the definition site. */
export function defineTool<Input extends ToolInput>(def: ToolDefinition<Input>): ToolDefinition {
  return def as unknown as ToolDefinition;
}
