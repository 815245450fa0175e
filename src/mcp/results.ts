/**
 * The MCP edge's error mapping, written once: success → structuredContent + the same JSON as text;
 * failure → isError with structuredContent.error = {type, message, details?} and text "TYPE: message".
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { AppError, toWireError } from "../shared/errors";

export function toolSuccess(result: object): CallToolResult {
  return {
    structuredContent: result as Record<string, unknown>,
    content: [{ type: "text", text: JSON.stringify(result) }],
  };
}

export function toolFailure(err: unknown, requestId: string): CallToolResult {
  const error = toWireError(err, requestId);
  return {
    isError: true,
    structuredContent: { error },
    content: [{ type: "text", text: `${error.type}: ${error.message}` }],
  };
}

/** Schema failures become INVALID_ARGUMENT naming each offending field and what it expects. */
export function invalidArguments(error: z.ZodError): AppError {
  const issues = error.issues.slice(0, 10).map((issue) => ({
    field: issue.path.map(String).join(".") || "(arguments)",
    problem: issue.message,
  }));
  const summary = issues.map((i) => `${i.field}: ${i.problem}`).join("; ");
  return new AppError("INVALID_ARGUMENT", `Invalid arguments — ${summary}. Fix these fields and call again.`, {
    issues,
  });
}
