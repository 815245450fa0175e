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
