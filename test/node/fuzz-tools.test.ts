/**
 * Property-based fuzzing of every published tool over real MCP: hostile arguments shaped by each tool's
 * schema must yield a valid result or a typed error, never INTERNAL, an HTTP 5xx, or leaked internals.
 * Runs against its own wrangler dev in production mode (private mail hosts refused).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ErrorCode, McpError, type CallToolResult, type Tool } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_TYPES } from "../../src/shared/errors";
import { argumentsFor, hostileString, LEAK_PATTERNS, type JsonSchema } from "../support/hostile";
import { connectMcp } from "../support/mcp";
import { startWorker, type RunningWorker } from "../support/worker";

/** At least 1,000 cases in all, spread over the tools, and never fewer than 40 per tool. */
const TOTAL_CASES = 1_000;

let worker: RunningWorker;
let client: Client;
let tools: Tool[];

beforeAll(async () => {
  worker = await startWorker({ ALLOW_PRIVATE_MAIL_HOSTS: "false" });
  client = await connectMcp(worker.url, worker.token);
  tools = (await client.listTools()).tools;
});

afterAll(async () => {
  await client?.close();
  await worker?.stop();
});

describe("every tool under hostile input", () => {
  it("answers a valid result or a typed, non-internal error without leaking internals", async () => {
    const perTool = Math.max(40, Math.ceil(TOTAL_CASES / tools.length));
    let cases = 0;
    for (const tool of tools) {
      await fc.assert(
        fc.asyncProperty(argumentsFor(tool.inputSchema as JsonSchema), async (args) => {
          cases += 1;
          const isObject = typeof args === "object" && args !== null && !Array.isArray(args);
          let result: CallToolResult;
          try {
            result = (await client.callTool({ name: tool.name, arguments: args as Record<string, unknown> })) as CallToolResult;
          } catch (err) {
            // Only a protocol-level "invalid params" for arguments that are not an object at all.
            expect(isObject, `${tool.name} threw on object arguments: ${String(err)}`).toBe(false);
            expect(err).toBeInstanceOf(McpError);
            expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
            return;
          }
          const text = JSON.stringify(result);
          for (const pattern of LEAK_PATTERNS) expect(text, `${tool.name} leaked ${pattern}`).not.toMatch(pattern);
          if (result.isError) {
            const error = (result.structuredContent as { error: { type: string } }).error;
            expect(ERROR_TYPES, `${tool.name} returned unknown type`).toContain(error.type);
            expect(error.type, `${tool.name} failed internally on ${JSON.stringify(args).slice(0, 300)}`).not.toBe("INTERNAL");
          }
        }),
        { numRuns: perTool },
      );
    }
    expect(cases).toBeGreaterThanOrEqual(TOTAL_CASES);
    expect(worker.logs()).not.toMatch(/Uncaught|unhandled/i);
  }, 600_000);
});

/** Public and authenticated routes: random methods, paths under every mounted prefix, bodies and headers. */
const PREFIXES = ["/", "/mcp", "/mcp/", "/health/liveness", "/health/readiness", "/t/c/", "/t/o/", "/u/", "/archive/", "/web/"];

describe("every route under hostile requests", () => {
  it("never answers 5xx and never leaks internals", async () => {
    const request = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"),
      prefix: fc.constantFrom(...PREFIXES),
      suffix: fc.oneof(hostileString, fc.webSegment()),
      body: fc.oneof(fc.constant(undefined), hostileString, fc.json()),
      auth: fc.boolean(),
      contentType: fc.constantFrom("application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, prefix, suffix, body, auth, contentType }) => {
        const path = `${prefix}${encodeURI(suffix.slice(0, 2000)).replace(/#/g, "%23").replace(/\?/g, "%3F")}`;
        const res = await fetch(`${worker.url}${path}`, {
          method,
          redirect: "manual",
          headers: {
            "content-type": contentType,
            accept: "application/json, text/event-stream",
            ...(auth ? { Authorization: `Bearer ${worker.token}` } : {}),
          },
          ...(body === undefined || method === "GET" || method === "HEAD" ? {} : { body }),
        });
        const text = await res.text();
        expect(res.status, `${method} ${path.slice(0, 200)} → ${res.status}: ${text.slice(0, 300)}`).toBeLessThan(500);
        for (const pattern of LEAK_PATTERNS) expect(text, `${method} ${path.slice(0, 100)} leaked ${pattern}`).not.toMatch(pattern);
      }),
      { numRuns: 500 },
    );
  }, 600_000);
});
