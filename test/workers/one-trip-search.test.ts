/**
 * The one-round-trip search (searchMessagesAs) against the full path: for every query shape, identity fault and
 * limit, it must answer exactly as requireActingAgent + searchMessages would, and a query whose fast plan fills the
 * limit must cost one D1 call.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../src/db";
import { ensureProject, registerAgent, requireActingAgent, retireAgent, searchMessages, searchMessagesAs, sendMessage, setContactPolicy } from "../../src/mail";
import { AppError } from "../../src/shared/errors";
import { countingD1 } from "./counting-d1";

interface Agent {
  name: string;
  token: string;
}

const db: Db = createDb(env.DB);
/** A word no other test file writes, so hit counts are this fixture's own. */
const WORD = `quokka${Date.now().toString(36)}`;
let slug: string;
let humanKey: string;
let a: Agent;
let b: Agent;
let c: Agent;
let retired: Agent;

async function agent(): Promise<Agent> {
  const registered = await registerAgent(db, { projectKey: slug, program: "p", model: "m" });
  const acting = await requireActingAgent(db, slug, registered.name, registered.registration_token!);
  await setContactPolicy(db, acting, "open");
  return { name: registered.name, token: registered.registration_token! };
}

async function send(from: Agent, to: Agent, subject: string, bodyMd: string): Promise<void> {
  await sendMessage(db, await requireActingAgent(db, slug, from.name, from.token), { to: [to.name], subject, bodyMd });
}

beforeAll(async () => {
  humanKey = `/one-trip-search/${WORD}`;
  slug = (await ensureProject(db, humanKey)).slug;
  [a, b, c, retired] = [await agent(), await agent(), await agent(), await agent()];
  for (let i = 0; i < 6; i++) await send(a, b, `Rollout ${WORD} step ${i}`, `The payment gateway ${i % 2 ? "cache" : "queue"} moves on day ${i}.`);
  await send(b, a, `Re: POL-358 ${WORD}`, `Gateway incident hotfix for ${WORD}, see POL-358.`);
  await send(c, a, `Private ${WORD}`, "Only a and c see this gateway note.");
  await retireAgent(db, { projectKey: slug, agentName: retired.name, token: retired.token });
});

type Outcome = { error: string } | { hits: Array<{ subject: string; from: string; snippet: string }> };

function outcome(run: () => Promise<Array<{ subject: string; from: string; snippet: string }>>): Promise<Outcome> {
  return run().then(
    (hits) => ({ hits: hits.map(({ subject, from, snippet }) => ({ subject, from, snippet })) }),
    (err: unknown) => {
      if (err instanceof AppError) return { error: err.type };
      throw err;
    },
  );
}

interface Scenario {
  name: string;
  query: string;
  who?: () => Agent;
  token?: () => string | undefined;
  projectKey?: () => string;
  agentName?: () => string;
  limit?: number;
  /** The answer, checked beyond equality with the full path: an error type, or the number of hits. */
  expect: { error: string } | { count: number };
  /** The fast plan fills the limit: the token check and the search are one D1 call. */
  oneTrip?: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: "a word with more visible matches than the limit", query: WORD, who: () => b, limit: 3, expect: { count: 3 }, oneTrip: true },
  { name: "a phrase", query: `"payment gateway" ${WORD}`, who: () => b, limit: 2, expect: { count: 2 }, oneTrip: true },
  { name: "a prefix", query: `rollou* ${WORD}`, who: () => a, limit: 4, expect: { count: 4 }, oneTrip: true },
  { name: "boolean operators", query: `${WORD} AND (cache OR queue) NOT incident`, who: () => b, limit: 5, expect: { count: 5 }, oneTrip: true },
  { name: "a column filter", query: `subject:rollout ${WORD}`, who: () => b, limit: 2, expect: { count: 2 }, oneTrip: true },
  { name: "the project's human key instead of its slug", query: WORD, who: () => b, projectKey: () => humanKey, limit: 2, expect: { count: 2 }, oneTrip: true },
  { name: "fewer matches than the limit (the complete plan)", query: `POL-358 ${WORD}`, who: () => a, expect: { count: 1 } },
  { name: "only what the agent sent or received", query: `gateway ${WORD}`, who: () => c, expect: { count: 1 } },
  { name: "no match", query: `${WORD} zebracorn`, who: () => a, expect: { count: 0 } },
  { name: "an unknown column (FTS5 refuses, term fallback)", query: `nosuchcolumn : ${WORD}`, who: () => b, expect: { count: 0 } },
  { name: "a dangling operator (FTS5 refuses, term fallback)", query: `${WORD} AND`, who: () => b, expect: { count: 7 } },
  { name: "an unbalanced quote", query: `"${WORD} rollout`, who: () => b, expect: { count: 6 } },
  { name: "no term at all", query: `*** "" ()`, who: () => b, expect: { count: 0 } },
  { name: "limit 0", query: WORD, who: () => b, limit: 0, expect: { error: "INVALID_LIMIT" } },
  { name: "a wrong token", query: WORD, who: () => b, token: () => a.token, expect: { error: "AUTHENTICATION_REQUIRED" } },
  { name: "no token", query: WORD, who: () => b, token: () => undefined, expect: { error: "AUTHENTICATION_REQUIRED" } },
  { name: "a retired agent", query: WORD, who: () => retired, expect: { error: "AGENT_RETIRED" } },
  { name: "an unknown agent", query: WORD, who: () => b, agentName: () => "NoSuchAgent", expect: { error: "NOT_FOUND" } },
  { name: "an unknown project", query: WORD, who: () => b, projectKey: () => "/no/such/project", expect: { error: "NOT_FOUND" } },
  { name: "a wrong token on a query FTS5 refuses", query: `${WORD} AND`, who: () => b, token: () => "forged", expect: { error: "AUTHENTICATION_REQUIRED" } },
];

describe("one-trip search", () => {
  for (const scenario of SCENARIOS) {
    it(`answers like the full path: ${scenario.name}`, async () => {
      const who = scenario.who?.() ?? a;
      const credentials = {
        projectKey: scenario.projectKey?.() ?? slug,
        agentName: scenario.agentName?.() ?? who.name,
        token: scenario.token ? scenario.token() : who.token,
      };
      const counter = countingD1();
      const viaOneTrip = await outcome(() => searchMessagesAs(createDb(counter.d1), credentials, scenario.query, scenario.limit));
      const viaFullPath = await outcome(async () =>
        searchMessages(db, await requireActingAgent(db, credentials.projectKey, credentials.agentName, credentials.token), scenario.query, scenario.limit),
      );
      expect(viaOneTrip).toEqual(viaFullPath);
      if ("error" in scenario.expect) expect(viaOneTrip).toEqual(scenario.expect);
      else expect("hits" in viaOneTrip && viaOneTrip.hits.length).toBe(scenario.expect.count);
      if (scenario.oneTrip) expect(counter.trips()).toBe(1);
    });
  }

  it("ranks best first and snippets the match, as the full path does", async () => {
    const hits = await searchMessagesAs(db, { projectKey: slug, agentName: a.name, token: a.token }, `POL-358 ${WORD}`);
    expect(hits[0]).toMatchObject({ subject: `Re: POL-358 ${WORD}`, from: b.name });
    expect(hits[0]!.snippet).toContain(`**${WORD}**`);
  });
});
