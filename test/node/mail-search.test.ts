/** search_messages (FTS5, bm25, snippets, hostile queries) and the rule-based thread summaries. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshProject, openAgents, send, type TestAgent } from "../support/mail";
import { callError, callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let client: Client;
let project: string;
let a: TestAgent;
let b: TestAgent;
let outsider: TestAgent;

beforeAll(async () => {
  client = await connectMcp(url, token);
  project = await freshProject(client, "search");
  [a, b, outsider] = (await openAgents(client, project, 3)) as [TestAgent, TestAgent, TestAgent];
  await send(client, project, a, { to: b.name, subject: "Deploy plan for POL-358", body_md: "We roll out the payment gateway on Friday." });
  await send(client, project, a, { to: b.name, subject: "Lunch", body_md: "Pizza or ramen? The gateway team is joining." });
  await send(client, project, a, { to: b.name, subject: "Unrelated", body_md: "Refactoring the authentication middleware." });
  await send(client, project, a, { to: outsider.name, subject: "Secret gateway", body_md: "Only for the outsider." });
});
afterAll(async () => {
  await client.close();
});

interface Hit {
  id: number;
  subject: string;
  from: string;
  snippet: string;
}

async function search(agent: TestAgent, query: string, extra: Record<string, unknown> = {}): Promise<Hit[]> {
  return (await callOk<{ messages: Hit[] }>(client, "search_messages", { project_key: project, agent_name: agent.name, registration_token: agent.token, query, ...extra }))
    .messages;
}

describe("search_messages", () => {
  it("finds every visible match with a highlighted snippet and the sender", async () => {
    const hits = await search(b, "gateway");
    expect(hits.map((h) => h.subject).sort()).toEqual(["Deploy plan for POL-358", "Lunch"]);
    expect(hits.every((h) => h.snippet.includes("**gateway**"))).toBe(true);
    expect(hits[0]!.from).toBe(a.name);
  });

  it("ranks a subject match above a body match (bm25, subject weighted)", async () => {
    await send(client, project, a, { to: b.name, subject: "Middleware", body_md: "Notes." });
    const hits = await search(b, "middleware");
    expect(hits.map((h) => h.subject)).toEqual(["Middleware", "Unrelated"]);
  });

  it("only finds messages the agent sent or received", async () => {
    expect((await search(b, "secret")).length).toBe(0);
    expect((await search(outsider, "secret")).map((h) => h.subject)).toEqual(["Secret gateway"]);
    expect((await search(a, "secret")).length).toBe(1);
  });

  it("supports phrases, prefixes, boolean operators and column filters", async () => {
    expect((await search(b, '"payment gateway"')).map((h) => h.subject)).toEqual(["Deploy plan for POL-358"]);
    expect((await search(b, "authentic*")).map((h) => h.subject)).toEqual(["Unrelated"]);
    expect((await search(b, "pizza OR ramen")).map((h) => h.subject)).toEqual(["Lunch"]);
    expect((await search(b, "gateway NOT pizza")).map((h) => h.subject)).toEqual(["Deploy plan for POL-358"]);
    expect((await search(b, "subject:lunch")).map((h) => h.subject)).toEqual(["Lunch"]);
  });

  it.each(["POL-358", '"unbalanced', "*", "???", "", "AND", "nosuchcolumn:foo", "a OR", "'; DROP TABLE messages; --", "NEAR(", "^", "gateway)"])(
    "never fails on the hostile query %j",
    async (query) => {
      const hits = await search(b, query);
      expect(Array.isArray(hits)).toBe(true);
    },
  );

  it("returns the best match first when limited (fast plan) and the same set as the complete plan", async () => {
    const limited = await search(b, "middleware", { limit: 1 });
    expect(limited.map((h) => h.subject)).toEqual(["Middleware"]);
  });

  it("finds a hyphenated ticket id", async () => {
    expect((await search(b, "POL-358")).map((h) => h.subject)).toEqual(["Deploy plan for POL-358"]);
  });

  it("rejects limit 0 with INVALID_LIMIT", async () => {
    const error = await callError(client, "search_messages", { project_key: project, agent_name: b.name, registration_token: b.token, query: "x", limit: 0 });
    expect(error.type).toBe("INVALID_LIMIT");
  });
});

describe("summarize_thread(s)", () => {
  it("extracts participants, key points, actions, mentions and code references by rule", async () => {
    const p = await freshProject(client, "summary");
    const [x, y] = (await openAgents(client, p, 2)) as [TestAgent, TestAgent];
    await send(client, p, x, {
      to: y.name,
      thread_id: "FEAT-9",
      subject: "Kickoff",
      body_md: "- Split the parser\n- [ ] write tests for `src/parser.ts`\n- [x] agree on the API\nTODO: ping @" + y.name + "\n",
    });
    await send(client, p, y, { to: x.name, thread_id: "FEAT-9", subject: "Re: Kickoff", body_md: "NEXT: review `docs/api.md` with @" + x.name });
    const result = await callOk<{
      thread_id: string;
      summary: { participants: string[]; total_messages: number; key_points: string[]; action_items: string[]; open_actions: number; done_actions: number; mentions: Array<{ name: string; count: number }>; code_references: string[] };
      examples: unknown[];
    }>(client, "summarize_thread", { project_key: p, thread_id: "FEAT-9", agent_name: x.name, registration_token: x.token, include_examples: true });
    expect(result.summary.total_messages).toBe(2);
    expect([...result.summary.participants].sort()).toEqual([x.name, y.name].sort());
    expect(result.summary.key_points).toEqual(["Split the parser"]);
    expect(result.summary.open_actions).toBe(3);
    expect(result.summary.done_actions).toBe(1);
    expect(result.summary.code_references).toEqual(["src/parser.ts", "docs/api.md"]);
    expect(result.summary.mentions.map((m) => m.name).sort()).toEqual([x.name, y.name].sort());
    expect(result.examples).toHaveLength(2);
  });

  it("returns an empty summary for an unknown thread, and summarize_threads aggregates", async () => {
    const empty = await callOk<{ summary: { total_messages: number } }>(client, "summarize_thread", {
      project_key: project, thread_id: "NOPE-1", agent_name: b.name, registration_token: b.token,
    });
    expect(empty.summary.total_messages).toBe(0);
    const many = await callOk<{ threads: unknown[]; aggregate: { total_messages: number } }>(client, "summarize_threads", {
      project_key: project, thread_ids: ["NOPE-1", "NOPE-2"], agent_name: b.name, registration_token: b.token,
    });
    expect(many.threads).toHaveLength(2);
    expect(many.aggregate.total_messages).toBe(0);
  });
});
