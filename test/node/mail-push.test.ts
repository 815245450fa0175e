/** Push: GET /mcp/events streams a notice to an agent when mail arrives, instead of polling. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, openAgents, send, type TestAgent } from "../support/mail";
import { connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let client: Client;

beforeAll(async () => {
  client = await connectMcp(url, token);
});
afterAll(async () => {
  await client.close();
});

interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Reads SSE events from a streaming response, one at a time. */
function eventReader(response: Response): { next(): Promise<SseEvent>; close(): Promise<void> } {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async next() {
      for (;;) {
        const boundary = buffer.indexOf("\n\n");
        if (boundary >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const fields = new Map<string, string>();
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const at = line.indexOf(":");
            fields.set(line.slice(0, at), line.slice(at + 1).trimStart());
          }
          if (!fields.has("event") && !fields.has("data")) continue;
          return { event: fields.get("event") ?? "message", data: fields.get("data") ?? "", ...(fields.has("id") ? { id: fields.get("id")! } : {}) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += value;
      }
    },
    close: () => reader.cancel(),
  };
}

function openEvents(project: string, agent: TestAgent, headers: Record<string, string> = { "X-Agent-Token": agent.token }): Promise<Response> {
  return fetch(`${url}/mcp/events?project=${project}&agent=${agent.name}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });
}

describe("GET /mcp/events", () => {
  it("announces each new message to the recipient as an MCP resources/updated notification", async () => {
    const project = await freshProject(client, "push");
    const [a, b] = await openAgents(client, project, 2);
    const response = await openEvents(project, b!);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = eventReader(response);
    try {
      const ready = await events.next();
      expect(ready.event).toBe("ready");
      const sent = await send(client, project, a!, { to: b!.name, subject: "ping" });
      const id = sent.deliveries[0]!.payload.id;
      const notice = await events.next();
      expect(notice.event).toBe("message");
      expect(notice.id).toBe(String(id));
      const body = JSON.parse(notice.data) as { method: string; params: { uri: string; message_id: number } };
      expect(body.method).toBe("notifications/resources/updated");
      expect(body.params).toMatchObject({ message_id: id, uri: `resource://inbox/${b!.name}?project=${project}` });
    } finally {
      await events.close();
    }
  });

  it("tells only the recipients, not other listeners of the project", async () => {
    const project = await freshProject(client, "push");
    const [a, b, c] = await openAgents(client, project, 3);
    const forC = eventReader(await openEvents(project, c!));
    const forB = eventReader(await openEvents(project, b!));
    try {
      expect((await forC.next()).event).toBe("ready");
      expect((await forB.next()).event).toBe("ready");
      await send(client, project, a!, { to: b!.name, subject: "only b" });
      const second = await send(client, project, a!, { to: c!.name, subject: "then c" });
      // c's first event is the message addressed to it, proving it never saw b's.
      const cEvent = await forC.next();
      expect(cEvent.id).toBe(String(second.deliveries[0]!.payload.id));
    } finally {
      await forC.close();
      await forB.close();
    }
  });

  it("rejects a missing or wrong agent token with 401 and a missing agent with 400", async () => {
    const project = await freshProject(client, "push");
    const [b] = await openAgents(client, project, 1);
    expect((await openEvents(project, b!, {})).status).toBe(401);
    expect((await openEvents(project, b!, { "X-Agent-Token": "wrong" })).status).toBe(401);
    const noAgent = await fetch(`${url}/mcp/events?project=${project}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(noAgent.status).toBe(400);
    const noBearer = await fetch(`${url}/mcp/events?project=${project}&agent=${b!.name}`, { headers: { "X-Agent-Token": b!.token } });
    expect(noBearer.status).toBe(401);
  });
});
