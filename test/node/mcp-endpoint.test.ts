/** The /mcp edge end to end: real wrangler dev, real MCP SDK client over Streamable HTTP. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callError, callOk, connectMcp, rawMcpPost } from "../support/mcp";

const { url, token } = inject("worker");
let client: Client;

beforeAll(async () => {
  client = await connectMcp(url, token);
});
afterAll(async () => {
  await client.close();
});

describe("initialize and tools/list", () => {
  it("negotiates and names the server", () => {
    expect(client.getServerVersion()?.name).toBe("pigeonhole");
    expect(client.getServerCapabilities()?.tools).toBeDefined();
  });

  it("publishes every tool with a JSON Schema derived from its zod input", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["health_check", "ensure_project"]));
    const ensure = tools.find((t) => t.name === "ensure_project")!;
    expect(ensure.inputSchema.required).toEqual(["human_key"]);
    expect(ensure.annotations?.readOnlyHint).toBe(false);
  });
});

describe("health_check", () => {
  it("reports ok with a version and an ISO-8601 UTC time", async () => {
    const result = await callOk<{ status: string; version: string; time: string }>(client, "health_check");
    expect(result.status).toBe("ok");
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(new Date(result.time).toISOString()).toBe(result.time);
  });
});

describe("ensure_project", () => {
  it("derives the slug from the absolute path and keeps the path verbatim", async () => {
    const project = await callOk<{ id: number; slug: string; human_key: string; created_at: string }>(
      client,
      "ensure_project",
      { human_key: "/Data/Projects/Back_End" },
    );
    expect(project.slug).toBe("data-projects-back-end");
    expect(project.human_key).toBe("/Data/Projects/Back_End");
    expect(new Date(project.created_at).toISOString()).toBe(project.created_at);
  });

  it("returns one project to 20 parallel calls for the same key", async () => {
    const key = `/srv/parallel-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => callOk<{ id: number; created_at: string }>(client, "ensure_project", { human_key: key })),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.created_at)).size).toBe(1);
  });

  it("rejects a relative path with INVALID_ARGUMENT saying it must be absolute", async () => {
    const error = await callError(client, "ensure_project", { human_key: "projects/backend" });
    expect(error.type).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("absolute");
  });

  it("rejects a wrong type with INVALID_ARGUMENT naming the field, without a stack trace", async () => {
    const error = await callError(client, "ensure_project", { human_key: 42 });
    expect(error.type).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("human_key");
    expect(JSON.stringify(error)).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it("ignores unknown extra arguments", async () => {
    const project = await callOk<{ slug: string }>(client, "ensure_project", { human_key: "/srv/extra", colour: "blue" });
    expect(project.slug).toBe("srv-extra");
  });

  it("answers an unknown tool with NOT_FOUND", async () => {
    const error = await callError(client, "no_such_tool");
    expect(error.type).toBe("NOT_FOUND");
  });
});

describe("HTTP edge", () => {
  it("serves /mcp/ with a trailing slash too", async () => {
    const res = await rawMcpPost(url.replace(/\/?$/, "/"), { Authorization: `Bearer ${token}` });
    const viaSlash = await fetch(`${url}/mcp/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(200);
    expect(viaSlash.status).toBe(200);
  });

  it("rejects a request without a bearer token with 401 JSON", async () => {
    const res = await rawMcpPost(url, {});
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("AUTHENTICATION_REQUIRED");
  });

  it("rejects a wrong bearer token with 401", async () => {
    const res = await rawMcpPost(url, { Authorization: `Bearer ${token}x` });
    expect(res.status).toBe(401);
  });

  it("rejects a foreign browser Origin with 403 even with a valid token", async () => {
    const res = await rawMcpPost(url, { Authorization: `Bearer ${token}`, Origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("FORBIDDEN");
  });

  it("accepts an allowed Origin", async () => {
    const res = await rawMcpPost(url, { Authorization: `Bearer ${token}`, Origin: url });
    expect(res.status).toBe(200);
  });

  it("rejects a rebinding Host header with 403", async () => {
    // fetch() may not set Host, so this goes through node:http as a rebinding browser would arrive.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/mcp`, {
        method: "POST",
        headers: { Host: "attacker.example", Authorization: `Bearer ${token}`, "content-type": "application/json" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }));
    });
    expect(status).toBe(403);
  });

  it("answers GET /mcp with 405: the server is stateless", async () => {
    const res = await fetch(`${url}/mcp`, { headers: { Authorization: `Bearer ${token}`, accept: "text/event-stream" } });
    expect(res.status).toBe(405);
  });

  it("serves liveness and readiness without auth", async () => {
    const live = await fetch(`${url}/health/liveness`);
    const ready = await fetch(`${url}/health/readiness`);
    expect([live.status, await live.json()]).toEqual([200, { status: "alive" }]);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
  });

  it("answers unknown routes with a JSON NOT_FOUND", async () => {
    const res = await fetch(`${url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("NOT_FOUND");
  });
});
