/**
 * The one-round-trip send (mail/one-trip-send.ts) against the full path: for every contact rule, identity fault
 * and address shape, sendMessageAs must answer exactly as requireActingAgent + sendMessage would on the same
 * fixture, and the common case must cost one D1 call.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb, type Db } from "../../src/db";
import {
  ensureProject,
  registerAgent,
  requireActingAgent,
  respondContact,
  retireAgent,
  sendMessage,
  sendMessageAs,
  setContactPolicy,
  type SendInput,
  type SendResult,
} from "../../src/mail";
import { AppError } from "../../src/shared/errors";
import { countingD1 } from "./counting-d1";

let seq = 0;

interface Fixture {
  db: Db;
  slug: string;
  a: { name: string; token: string };
  b: { name: string; token: string };
  c: { name: string; token: string };
  other: { slug: string; name: string };
}

async function fixture(): Promise<Fixture> {
  const db = createDb(env.DB);
  const project = await ensureProject(db, `/one-trip/p${Date.now()}-${seq++}`);
  const away = await ensureProject(db, `/one-trip/away${Date.now()}-${seq++}`);
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => registerAgent(db, { projectKey: project.slug, program: "p", model: "m" })));
  const visitor = await registerAgent(db, { projectKey: away.slug, program: "p", model: "m" });
  await setContactPolicy(db, await requireActingAgent(db, away.slug, visitor.name, visitor.registration_token!), "open");
  const agent = (r: typeof a) => ({ name: r!.name, token: r!.registration_token! });
  return { db, slug: project.slug, a: agent(a), b: agent(b), c: agent(c), other: { slug: away.slug, name: visitor.name } };
}

const acting = (f: Fixture, who: { name: string; token: string }) => requireActingAgent(f.db, f.slug, who.name, who.token);
const policy = async (f: Fixture, who: { name: string; token: string }, value: string) => void (await setContactPolicy(f.db, await acting(f, who), value));

interface Scenario {
  name: string;
  setup?: (f: Fixture) => Promise<void>;
  send: (f: Fixture) => SendInput;
  token?: (f: Fixture) => string;
  /** One D1 call when the one-trip path can decide; otherwise it hands over to the full path. */
  oneTrip: boolean;
}

const to = (names: string[], extra: Partial<SendInput> = {}): SendInput => ({ to: names, subject: "Hello", bodyMd: "body", ...extra });

const SCENARIOS: Scenario[] = [
  { name: "open recipient", setup: (f) => policy(f, f.b, "open"), send: (f) => to([f.b.name]), oneTrip: true },
  { name: "auto recipient, no history (contact required)", send: (f) => to([f.b.name]), oneTrip: false },
  {
    name: "auto recipient who approved the sender",
    setup: async (f) => void (await respondContact(f.db, await acting(f, f.b), { fromAgent: f.a.name, accept: true })),
    send: (f) => to([f.b.name]),
    oneTrip: true,
  },
  {
    name: "auto recipient who wrote to the sender today",
    setup: async (f) => {
      await policy(f, f.a, "open");
      await sendMessage(f.db, await acting(f, f.b), to([f.a.name]));
    },
    send: (f) => to([f.b.name]),
    oneTrip: true,
  },
  {
    name: "contacts_only recipient approved only the other way (link in)",
    setup: async (f) => {
      await policy(f, f.b, "contacts_only");
      await respondContact(f.db, await acting(f, f.a), { fromAgent: f.b.name, accept: true });
    },
    send: (f) => to([f.b.name]),
    oneTrip: false,
  },
  {
    name: "contacts_only recipient in the thread being written to",
    setup: async (f) => {
      await policy(f, f.b, "contacts_only");
      await policy(f, f.a, "open");
      await sendMessage(f.db, await acting(f, f.b), to([f.a.name], { threadId: "FEAT-1" }));
    },
    send: (f) => to([f.b.name], { threadId: "FEAT-1" }),
    oneTrip: true,
  },
  { name: "block_all recipient", setup: (f) => policy(f, f.b, "block_all"), send: (f) => to([f.b.name]), oneTrip: false },
  {
    name: "open recipient who denied the sender",
    setup: async (f) => {
      await policy(f, f.b, "open");
      await respondContact(f.db, await acting(f, f.b), { fromAgent: f.a.name, accept: false });
    },
    send: (f) => to([f.b.name]),
    oneTrip: false,
  },
  {
    name: "retired recipient",
    setup: async (f) => {
      await policy(f, f.b, "open");
      await retireAgent(f.db, { projectKey: f.slug, agentName: f.b.name, token: f.b.token });
    },
    send: (f) => to([f.b.name]),
    oneTrip: false,
  },
  { name: "unknown recipient", setup: (f) => policy(f, f.b, "open"), send: (f) => to([f.b.name, "NoSuchAgent"]), oneTrip: false },
  { name: "wrong token", setup: (f) => policy(f, f.b, "open"), send: (f) => to([f.b.name]), token: () => "not-the-token", oneTrip: false },
  {
    name: "retired sender",
    setup: async (f) => {
      await policy(f, f.b, "open");
      await retireAgent(f.db, { projectKey: f.slug, agentName: f.a.name, token: f.a.token });
    },
    send: (f) => to([f.b.name]),
    oneTrip: false,
  },
  {
    name: "duplicates across to, cc and bcc",
    setup: async (f) => {
      await policy(f, f.b, "open");
      await policy(f, f.c, "open");
    },
    send: (f) => to([f.b.name], { cc: [f.b.name.toLowerCase(), f.c.name], bcc: [f.c.name], importance: "high", ackRequired: true, topic: "ops" }),
    oneTrip: true,
  },
  { name: "to oneself", send: (f) => to([f.a.name]), oneTrip: true },
  { name: "another project's agent", send: (f) => to([`${f.other.name}@${f.other.slug}`]), oneTrip: false },
  { name: "broadcast", setup: (f) => policy(f, f.b, "open"), send: () => ({ to: [], subject: "All", bodyMd: "hi", broadcast: true }), oneTrip: false },
  { name: "an invalid thread id", setup: (f) => policy(f, f.b, "open"), send: (f) => to([f.b.name], { threadId: "bad id!" }), oneTrip: false },
  {
    name: "a subject over 200 characters, with control characters",
    setup: (f) => policy(f, f.b, "open"),
    send: (f) => to([f.b.name], { subject: `Line\r\nbreak ${"x".repeat(300)}` }),
    oneTrip: true,
  },
];

type Outcome = { error: string } | { sent: unknown };

/** What a caller sees, without what differs between two fixtures (ids, times, generated names). */
function outcome(f: Fixture, run: () => Promise<SendResult>): Promise<Outcome> {
  const names = new Map([
    [f.slug, "home"],
    [f.a.name, "A"],
    [f.b.name, "B"],
    [f.c.name, "C"],
    [f.other.name, "V"],
    [f.other.slug, "away"],
  ]);
  const anonymise = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === "id" || key === "created_ts" || key === "project" ? undefined : v)), (_, v: unknown) =>
      typeof v === "string" ? [...names].reduce((s, [from, label]) => s.split(from).join(label), v) : v,
    );
  return run().then(
    (result) => ({ sent: anonymise(result) }),
    (err: unknown) => {
      if (err instanceof AppError) return { error: err.type };
      throw err;
    },
  );
}

describe("one-trip send", () => {
  for (const scenario of SCENARIOS) {
    it(`answers like the full path: ${scenario.name}`, async () => {
      const [fast, full] = [await fixture(), await fixture()];
      await scenario.setup?.(fast);
      await scenario.setup?.(full);
      const counter = countingD1();
      const countedDb = createDb(counter.d1);
      const viaOneTrip = await outcome(fast, () =>
        sendMessageAs(countedDb, { projectKey: fast.slug, agentName: fast.a.name, token: scenario.token?.(fast) ?? fast.a.token }, scenario.send(fast)),
      );
      const viaFullPath = await outcome(full, async () =>
        sendMessage(full.db, await requireActingAgent(full.db, full.slug, full.a.name, scenario.token?.(full) ?? full.a.token), scenario.send(full)),
      );
      expect(viaOneTrip).toEqual(viaFullPath);
      if (scenario.oneTrip) {
        expect("sent" in viaOneTrip, "the scenario sends").toBe(true);
        expect(counter.trips()).toBe(1);
      } else if ("sent" in viaOneTrip) {
        // Sent, but not by the one-trip path: the full path ran after it declined.
        expect(counter.trips()).toBeGreaterThan(1);
      }
    });
  }

  it("writes nothing when its guard fails: a refused send leaves no message or recipient row behind", async () => {
    const f = await fixture();
    await policy(f, f.b, "block_all");
    const before = await env.DB.prepare("SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM message_recipients) AS r").first();
    await expect(sendMessageAs(f.db, { projectKey: f.slug, agentName: f.a.name, token: f.a.token }, to([f.b.name]))).rejects.toMatchObject({ type: "CONTACT_BLOCKED" });
    const after = await env.DB.prepare("SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM message_recipients) AS r").first();
    expect(after).toEqual(before);
  });

  it("concurrent sends share D1 round trips, yet each answer and its rows are its own; a refused one writes nothing", async () => {
    const f = await fixture();
    await policy(f, f.b, "open");
    await policy(f, f.c, "block_all");
    const counter = countingD1();
    const countedDb = createDb(counter.d1);
    const sends = Array.from({ length: 12 }, (_, i) => {
      const target = i === 5 ? f.c.name : f.b.name;
      return sendMessageAs(countedDb, { projectKey: f.slug, agentName: f.a.name, token: f.a.token }, to([target], { subject: `Concurrent ${i}` }));
    });
    const outcomes = await Promise.allSettled(sends);
    expect(outcomes[5]).toMatchObject({ status: "rejected", reason: { type: "CONTACT_BLOCKED" } });
    const sent = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [{ i, id: o.value.deliveries[0]!.payload.id, subject: o.value.deliveries[0]!.payload.subject }] : []));
    expect(sent.map((s) => s.subject)).toEqual(sent.map((s) => `Concurrent ${s.i}`));
    expect(new Set(sent.map((s) => s.id)).size).toBe(11);
    for (const { id, subject } of sent) {
      const row = await env.DB.prepare("SELECT m.subject, (SELECT group_concat(a.name) FROM message_recipients r JOIN agents a ON a.id = r.agent_id WHERE r.message_id = m.id) AS recipients FROM messages m WHERE m.id = ?").bind(id).first();
      expect(row).toEqual({ subject, recipients: f.b.name });
    }
    const toC = await env.DB.prepare("SELECT count(*) AS n FROM message_recipients r JOIN agents a ON a.id = r.agent_id WHERE a.name = ? AND a.project_id = (SELECT id FROM projects WHERE slug = ?)").bind(f.c.name, f.slug).first();
    expect(toC).toEqual({ n: 0 });
    expect(counter.trips()).toBeLessThan(12);
  });

  it("stores one recipient row per agent with the strongest kind, readable from the recipient's inbox", async () => {
    const f = await fixture();
    await policy(f, f.b, "open");
    await policy(f, f.c, "open");
    const sent = await sendMessageAs(f.db, { projectKey: f.slug, agentName: f.a.name, token: f.a.token }, to([f.b.name], { cc: [f.b.name, f.c.name], bcc: [f.c.name] }));
    const id = sent.deliveries[0]!.payload.id;
    const rows = await env.DB.prepare("SELECT a.name, r.kind FROM message_recipients r JOIN agents a ON a.id = r.agent_id WHERE r.message_id = ? ORDER BY a.name").bind(id).all();
    expect(rows.results).toEqual([{ name: f.b.name, kind: "to" }, { name: f.c.name, kind: "cc" }].sort((x, y) => x.name.localeCompare(y.name)));
  });
});
