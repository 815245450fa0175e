/** send_message with attachments over /mcp: stored (WebP) before the message, referenced from it, refused cleanly. */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db";
import { ensureProject, registerAgent } from "../../src/mail";
import { makePng } from "../support/png-fixture";

interface ToolReply {
  isError?: boolean;
  structuredContent: Record<string, unknown> & { error?: { type: string; message: string } };
}

let seq = 0;
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

async function call(name: string, args: Record<string, unknown>): Promise<ToolReply> {
  const res = await SELF.fetch("http://127.0.0.1/mcp", {
    method: "POST",
    headers: { Authorization: "Bearer test-token", "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: ToolReply }).result;
}

async function setup() {
  const db = createDb(env.DB);
  const project = await ensureProject(db, `/send-attachments/p${Date.now()}-${seq++}`);
  const register = (name: string) => registerAgent(db, { projectKey: project.slug, program: "codex", model: "gpt-5", name });
  const [a, b] = [await register("GreenCastle"), await register("BlueLake")];
  await call("set_contact_policy", { project_key: project.slug, agent_name: b.name, policy: "open", registration_token: b.registration_token });
  const send = (extra: Record<string, unknown>) =>
    call("send_message", { project_key: project.slug, sender_name: a.name, sender_token: a.registration_token, to: [b.name], subject: "pic", body_md: "see attached", ...extra });
  return { project, a, b, send };
}

describe("send_message attachments", () => {
  it("stores a PNG as WebP in R2, references it from the message and serves it to the recipient's inbox", async () => {
    const { project, b, send } = await setup();
    const png = await makePng(120, 80, (x, y) => [(x * 5) % 256, (y * 9) % 256, 128, 255]);
    const reply = await send({ attachments: [{ data: base64(png), filename: "chart.png" }], inline_max_bytes: 0 });
    expect(reply.isError).toBeFalsy();
    const payload = (reply.structuredContent.deliveries as Array<{ payload: { id: number; attachments: Array<Record<string, unknown>> } }>)[0]!.payload;
    expect(payload.attachments).toEqual([expect.objectContaining({ type: "file", media_type: "image/webp", filename: "chart.png", converted: true })]);
    const stored = await env.ARCHIVE.get(payload.attachments[0]!.path as string);
    expect(new TextDecoder().decode((await stored!.arrayBuffer()).slice(8, 12))).toBe("WEBP");

    const inbox = await call("fetch_inbox", { project_key: project.slug, agent_name: b.name, registration_token: b.registration_token, include_bodies: true });
    const messages = inbox.structuredContent.messages as Array<{ id: number }>;
    expect(messages.map((m) => m.id)).toContain(payload.id);
    const read = await SELF.fetch(`http://127.0.0.1/attachments/${String(payload.attachments[0]!.sha256)}.webp`, {
      headers: { Authorization: "Bearer test-token" },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get("content-type")).toBe("image/webp");
  });

  it("refuses attachment_paths with INVALID_ARGUMENT saying to send the content, and sends nothing", async () => {
    const { project, b, send } = await setup();
    const reply = await send({ attachment_paths: ["/home/me/chart.png"] });
    expect(reply.structuredContent.error?.type).toBe("INVALID_ARGUMENT");
    expect(reply.structuredContent.error?.message).toContain("attachments");
    const inbox = await call("fetch_inbox", { project_key: project.slug, agent_name: b.name, registration_token: b.registration_token });
    expect(inbox.structuredContent.messages).toEqual([]);
  });

  it("fails an empty attachment with INVALID_ARGUMENT and delivers nothing", async () => {
    const { project, b, send } = await setup();
    const reply = await send({ attachments: [{ data: "", filename: "empty.bin" }] });
    expect(reply.structuredContent.error?.type).toBe("INVALID_ARGUMENT");
    const inbox = await call("fetch_inbox", { project_key: project.slug, agent_name: b.name, registration_token: b.registration_token });
    expect(inbox.structuredContent.messages).toEqual([]);
  });
});
