/** The HTTP edge inside workerd: readiness, error mapping, auth ordering. */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";

describe("readiness", () => {
  it("answers 200 ready while D1 answers", async () => {
    const res = await SELF.fetch("http://127.0.0.1/health/readiness");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready" });
  });

  it("answers 503 when D1 is down", async () => {
    const downDb = {
      prepare: () => {
        throw new Error("D1_ERROR: Network connection lost.");
      },
    } as unknown as D1Database;
    const res = await app.request("http://127.0.0.1/health/readiness", {}, { ...env, DB: downDb });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "unavailable" });
  });
});

describe("/mcp authentication", () => {
  it("rejects a bearer when the deployment has no token configured", async () => {
    const res = await app.request(
      "http://127.0.0.1/mcp",
      { method: "POST", headers: { Authorization: "Bearer " } },
      { ...env, PIGEONHOLE_TOKEN: "" },
    );
    expect(res.status).toBe(401);
  });

  it("checks Origin before the token, so a foreign page learns nothing about tokens", async () => {
    const res = await SELF.fetch("http://127.0.0.1/mcp", {
      method: "POST",
      headers: { Origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
  });
});

describe("/mcp request edge", () => {
  const headers = { Authorization: "Bearer test-token", "content-type": "application/json", accept: "application/json, text/event-stream" };
  const healthCall = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "health_check", arguments: {} } });

  it("answers a body that is not JSON with the JSON-RPC parse error", async () => {
    const res = await SELF.fetch("http://127.0.0.1/mcp", { method: "POST", headers, body: '{"jsonrpc": "2.0", "id": 1,' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });

  it("refuses a body over 4 MiB with 413 PAYLOAD_TOO_LARGE, naming the bound", async () => {
    const padding = "x".repeat(4 * 1024 * 1024);
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "health_check", arguments: { padding } } });
    const res = await SELF.fetch("http://127.0.0.1/mcp", { method: "POST", headers, body });
    expect(res.status).toBe(413);
    const error = ((await res.json()) as { error: { type: string; message: string } }).error;
    expect(error.type).toBe("PAYLOAD_TOO_LARGE");
    expect(error.message).toContain(String(4 * 1024 * 1024));
  });

  it("reads a chunked body (no Content-Length) under the same bound: a small one is served, an endless one gets 413", async () => {
    const chunked = (chunks: string[]) =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      });
    const small = await SELF.fetch("http://127.0.0.1/mcp", { method: "POST", headers, body: chunked([healthCall.slice(0, 20), healthCall.slice(20)]) });
    expect(small.status).toBe(200);
    expect(((await small.json()) as { id: number }).id).toBe(7);

    const megabyte = "x".repeat(1024 * 1024);
    const huge = await SELF.fetch("http://127.0.0.1/mcp", { method: "POST", headers, body: chunked(['{"padding": "', ...Array(6).fill(megabyte), '"}']) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { type: string } }).error.type).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers a wrong bearer with 401 and the challenge naming the resource metadata", async () => {
    const res = await SELF.fetch("http://127.0.0.1/mcp", { method: "POST", headers: { ...headers, Authorization: "Bearer wrong-token" }, body: healthCall });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toContain("resource_metadata=");
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("AUTHENTICATION_REQUIRED");
  });

  it("serves the static token with and without an Origin, adding CORS headers only for a browser origin", async () => {
    const plain = await SELF.fetch("http://127.0.0.1/mcp", { method: "POST", headers, body: healthCall });
    expect(plain.status).toBe(200);
    expect(((await plain.json()) as { id: number; result: { isError?: boolean } }).result.isError).not.toBe(true);
    expect(plain.headers.get("Access-Control-Allow-Origin")).toBeNull();

    const browser = await SELF.fetch("http://127.0.0.1/mcp", {
      method: "POST",
      headers: { ...headers, Origin: "http://127.0.0.1:8787" },
      body: healthCall,
    });
    expect(browser.status).toBe(200);
    expect(((await browser.json()) as { id: number }).id).toBe(7);
    expect(browser.headers.get("Access-Control-Allow-Origin")).toBe("http://127.0.0.1:8787");
  });
});
