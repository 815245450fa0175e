/**
 * A tool is a zod input schema plus a handler that calls one service. The schema is the single
 * source of the published inputSchema, of input validation and of the handler's argument type.
 */
import type { z } from "zod";
import type { Db } from "../db";
import type { ContactSignals, InboxNotifier } from "../mail";

export interface ToolContext {
  env: Env;
  db: Db;
  requestId: string;
  /**
   * The HTTP bearer when it is not the server's static token: it may be an agent's registration token,
   * which then authenticates acting calls that pass no token argument.
   */
  agentBearer?: string | undefined;
  /** Push: pokes subscribers when mail is delivered (absent in unit tests). */
  notifier?: InboxNotifier | undefined;
  /** Facts other contexts own that widen who may message whom (overlapping claims); none by default. */
  contactSignals?: ContactSignals | undefined;
  /** Lets a handler finish background work (archive writes, notifications) after replying. */
  waitUntil(promise: Promise<unknown>): void;
}

export interface ToolDefinition<Input extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: Input;
  /** Read-only tools never change state; readers (RBAC) may call only these. */
  readOnly: boolean;
  run(ctx: ToolContext, input: z.output<Input>): Promise<object>;
}

/** Keeps the handler's input type tied to its schema at the definition site. */
export function defineTool<Input extends z.ZodObject>(def: ToolDefinition<Input>): ToolDefinition {
  return def as unknown as ToolDefinition;
}
