/**
 * Archive write failures. Agents send mail through the real send path with the archiving notifier,
 * while three faults land: R2 refuses some object uploads, the coordinator cannot be told about new
 * mail during a stretch of sends (every retry fails), and the coordinator crashes mid-write. D1 stays
 * the record and the archive follows it, so afterwards D1 and the archive must agree message for
 * message without repair: each message committed once, its files readable from HEAD, every object present.
 * `SOAK=1` sends more mail.
 */
import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { archivingNotifier, coordinatorFor, repairProjectArchive } from "../../src/coordinator";
import { MAIL_BURST_MESSAGES, MAIL_FOLLOW_PING_INTERVAL_MS, MESSAGES_ARCHIVE_BURST_DELAY_MS, MESSAGES_ARCHIVE_DELAY_MS } from "../../src/coordinator/constants";
import { listArchiveTree as listTree, readArchiveText as text } from "./archive-objects";
import { createDb, messages } from "../../src/db";
import { ensureProject, registerAgent, requireActingAgent, respondContact, sendMessage, setContactPolicy } from "../../src/mail";
import { storeMessages } from "../../src/mail/delivery";
import { prng, soakMode } from "../support/soak";

const SOAK = soakMode();
const MESSAGES = SOAK ? 300 : 40;
/** Share of R2 uploads (packs, indexes, pack lists) refused while the fault is armed. */
const R2_FAILURE_RATE = 0.15;
const COORDINATOR_FAILURES = SOAK ? 20 : 4;
const CRASHES = SOAK ? 10 : 2;

/** HEAD as served over git's dumb protocol, then the whole commit chain (the message ids each commit names). */
async function history(slug: string): Promise<{ tree: string; messageIds: number[] }> {
  const refs = await SELF.fetch(`http://127.0.0.1/archive/${slug}.git/info/refs`, { headers: { Authorization: "Bearer test-token" } });
  expect(refs.status).toBe(200);
  let oid: string | undefined = (await refs.text()).split("\t")[0]!;
  let tree = "";
  const messageIds: number[] = [];
  while (oid) {
    const body = await text(slug, oid);
    tree ||= /^tree (\w+)/m.exec(body)![1]!;
    // A group commit names each of its messages once, one line per write.
    for (const id of body.matchAll(/message-id: (\d+)$/gm)) messageIds.push(Number(id[1]));
    oid = /^parent (\w+)/m.exec(body)?.[1];
  }
  return { tree, messageIds };
}

describe(`archive under write failures (${MESSAGES} messages)`, () => {
  it("repair re-derives every entry lost to R2, coordinator and crash failures; D1 and the archive then agree message for message", { timeout: SOAK ? 1_800_000 : 120_000 }, async () => {
    const seed = Date.now() % 1_000_000;
    const rand = prng(seed);
    const db = createDb(env.DB);
    const project = await ensureProject(db, `/work/fault-archive-${crypto.randomUUID()}`);
    const agents = await Promise.all([0, 1, 2].map(() => registerAgent(db, { projectKey: project.slug, program: "p", model: "m" })));
    const acting = await Promise.all(agents.map((a) => requireActingAgent(db, project.slug, a.name, a.registration_token!)));
    for (const me of acting) for (const other of agents) if (other.id !== me.agent.id) await respondContact(db, me, { fromAgent: other.name, accept: true });

    // Fault 1: R2 refuses a share of uploads (the coordinator's writer uses this same binding).
    const bucket = env.ARCHIVE as unknown as { put: (...args: unknown[]) => Promise<unknown> };
    const realPut = bucket.put.bind(bucket);
    let r2Armed = true;
    let r2Refused = 0;
    bucket.put = (...args: unknown[]) => {
      if (r2Armed && rand() < R2_FAILURE_RATE) {
        r2Refused++;
        return Promise.reject(new Error("R2 unavailable (injected)"));
      }
      return realPut(...args);
    };
    // Fault 2: the coordinator cannot be told about new mail (every attempt fails) for a stretch of sends.
    const tellsFailing = { from: Math.floor(MESSAGES / 4), to: Math.floor(MESSAGES / 4) + COORDINATOR_FAILURES * 3 };
    let sending = 0;
    let tellsRefused = 0;
    const namespace = env.PROJECT_COORDINATOR;
    const faultyEnv = {
      ...env,
      PROJECT_COORDINATOR: {
        idFromName: (name: string) => namespace.idFromName(name),
        get: (id: DurableObjectId) => {
          const stub = namespace.get(id);
          return new Proxy(stub, {
            get: (target, prop) =>
              prop === "followMail"
                ? (project: never) => {
                    if (sending >= tellsFailing.from && sending < tellsFailing.to) {
                      tellsRefused++;
                      return Promise.reject(new Error("coordinator unavailable (injected)"));
                    }
                    return target.followMail(project);
                  }
                : Reflect.get(target, prop),
          });
        },
      },
    } as unknown as Env;
    // Fault 3: the coordinator crashes at a few points while archive writes are in flight.
    const crashOrdinals = new Set<number>();
    while (crashOrdinals.size < CRASHES) crashOrdinals.add(1 + Math.floor(rand() * (MESSAGES - 1)));

    const background: Array<Promise<unknown>> = [];
    const crashes: Array<Promise<void>> = [];
    try {
      const notifier = archivingNotifier(faultyEnv, db, (p) => void background.push(p));
      for (let i = 0; i < MESSAGES; i++) {
        const from = acting[i % 3]!;
        const to = agents[(i + 1) % 3]!;
        const cc = i % 5 === 0 ? [agents[(i + 2) % 3]!.name] : [];
        sending = i;
        // Tells are throttled per isolate: wait out the interval so the stretch starts with a tell (that fails).
        if (i === tellsFailing.from) await new Promise((resolve) => setTimeout(resolve, MAIL_FOLLOW_PING_INTERVAL_MS + 20));
        const sent = await sendMessage(db, from, { to: [to.name], cc, subject: `Storm ${i}`, bodyMd: `Body ${i} of seed ${seed}` }, { notifier });
        expect(sent.count).toBe(1);
        // Stands in for the coordinator's alarm, so commits (and their R2 uploads) happen during the storm.
        if (i % 2 === 1) await coordinatorFor(env, project).flushArchive(project.slug).catch(() => undefined);
        if (crashOrdinals.has(i)) crashes.push(abortAllDurableObjects());
      }
      await Promise.allSettled(background);
      await Promise.all(crashes);
    } finally {
      r2Armed = false;
      bucket.put = realPut;
    }

    const d1 = (await db.select({ id: messages.id, subject: messages.subject, bodyMd: messages.bodyMd }).from(messages).where(eq(messages.projectId, project.id))).sort((a, b) => a.id - b.id);
    expect(d1).toHaveLength(MESSAGES);
    const stub = coordinatorFor(env, project);
    // What the alarm would commit a second later: after this, "missing" means lost, not merely queued.
    await stub.flushArchive(project.slug);
    const archivedBefore = new Set(await stub.archivedMessageIds(d1.map((m) => m.id)));
    const missingBefore = d1.filter((m) => !archivedBefore.has(m.id)).length;

    // The archive follows D1: refused uploads are retried, a missed tell is covered by the next pass, and a crash
    // loses nothing queued. So nothing is missing even before repair, and repair finds nothing to do.
    expect(missingBefore).toBe(0);
    const report = await repairProjectArchive(env, db, project);
    expect(report).toMatchObject({ checked: MESSAGES, pending: 0, repaired: [] });

    expect((await stub.archivedMessageIds(d1.map((m) => m.id))).sort((a, b) => a - b)).toEqual(d1.map((m) => m.id));
    const { tree, messageIds } = await history(project.slug);
    const files = await listTree(project.slug, tree);
    const canonical = [...files.keys()].filter((p) => p.startsWith("messages/"));
    const twice = messageIds.filter((id, i) => messageIds.indexOf(id) !== i);
    console.log(JSON.stringify({ figure: "archive-failures", seed, messages: MESSAGES, r2_refused: r2Refused, tells_refused: tellsRefused, crashes: CRASHES, missing_before_repair: missingBefore, repaired: report.repaired.length, committed_twice: twice.length, archive_files: files.size }));

    expect(r2Refused, "the R2 fault was exercised").toBeGreaterThan(0);
    expect(tellsRefused, "the coordinator fault was exercised").toBeGreaterThan(0);
    expect(twice, "no message committed twice").toEqual([]);
    expect([...messageIds].sort((a, b) => a - b)).toEqual(d1.map((m) => m.id));
    expect(canonical).toHaveLength(MESSAGES);
    for (const row of d1) {
      const path = canonical.find((p) => p.endsWith(`/${row.id}.md`));
      expect(path, `message ${row.id} in the archive`).toBeDefined();
      const content = await text(project.slug, files.get(path!)!);
      const front = JSON.parse(content.split("\n---\n")[0]!.slice("---json\n".length)) as { id: number; subject: string };
      expect(front).toMatchObject({ id: row.id, subject: row.subject });
      expect(content).toContain(row.bodyMd);
    }
  });
});

describe("archiving at write time", () => {
  it("answers which of 250 message ids are archived (more ids than one statement may bind)", async () => {
    const project = await ensureProject(createDb(env.DB), `/work/archive-many-${crypto.randomUUID()}`);
    const ids = Array.from({ length: 250 }, (_, i) => i + 1);
    expect(await coordinatorFor(env, project).archivedMessageIds(ids)).toEqual([]);
  });

  it("archives a sent message without repair: the send tells the coordinator, whose alarm reads it from D1 and commits it", async () => {
    const db = createDb(env.DB);
    const project = await ensureProject(db, `/work/archive-quiet-${crypto.randomUUID()}`);
    const [a, b] = await Promise.all([0, 1].map(() => registerAgent(db, { projectKey: project.slug, program: "p", model: "m" })));
    const actingA = await requireActingAgent(db, project.slug, a!.name, a!.registration_token!);
    const actingB = await requireActingAgent(db, project.slug, b!.name, b!.registration_token!);
    await respondContact(db, actingB, { fromAgent: a!.name, accept: true });
    const background: Array<Promise<unknown>> = [];
    await sendMessage(db, actingA, { to: [b!.name], subject: "Quiet", bodyMd: "nobody is listening" }, { notifier: archivingNotifier(env, db, (p) => void background.push(p)) });
    await Promise.all(background);
    const [row] = await db.select({ id: messages.id }).from(messages).where(eq(messages.projectId, project.id));
    const stub = coordinatorFor(env, project);
    expect(await stub.archivedMessageIds([row!.id])).toEqual([]);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.archivedMessageIds([row!.id])).toEqual([row!.id]);
  });

  it("reads a page of 200 messages in one pass (more ids than one D1 statement binds) and commits them all", async () => {
    const db = createDb(env.DB);
    const project = await ensureProject(db, `/work/archive-page-${crypto.randomUUID()}`);
    const [a, b] = await Promise.all([0, 1].map(() => registerAgent(db, { projectKey: project.slug, program: "p", model: "m" })));
    const stored = await storeMessages(
      db,
      Array.from({ length: 230 }, (_, i) => ({ projectId: project.id, senderId: a!.id, recipients: [{ agentId: b!.id, kind: "to" as const }], subject: `Bulk ${i}`, bodyMd: `body ${i}` })),
    );
    const tells: Array<Promise<unknown>> = [];
    await archivingNotifier(env, db, (p) => void tells.push(p)).notify({ projectId: project.id, agentIds: [], messageId: stored.at(-1)!.id, createdTs: stored.at(-1)!.created_ts });
    await Promise.all(tells);
    const stub = coordinatorFor(env, project);
    const report = await stub.flushArchive(project.slug);
    expect(report).toMatchObject({ pending: 0 });
    const ids = stored.map((m) => m.id);
    expect((await stub.archivedMessageIds(ids)).sort((x, y) => x - y)).toEqual(ids);
  });

  it("in a burst (a pass reading 100+ messages) the next pass waits the burst delay, later tells keep it there, and it commits the rest at once", async () => {
    const db = createDb(env.DB);
    const project = await ensureProject(db, `/work/archive-burst-${crypto.randomUUID()}`);
    const [a, b] = await Promise.all([0, 1].map(() => registerAgent(db, { projectKey: project.slug, program: "p", model: "m" })));
    const bulk = (from: number, count: number) =>
      storeMessages(
        db,
        Array.from({ length: count }, (_, i) => ({ projectId: project.id, senderId: a!.id, recipients: [{ agentId: b!.id, kind: "to" as const }], subject: `Burst ${from + i}`, bodyMd: "b" })),
      );
    const stub = coordinatorFor(env, project);
    const first = await bulk(0, MAIL_BURST_MESSAGES);
    await stub.followMail({ id: project.id, slug: project.slug, human_key: project.human_key });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const armedIn = async () => (await runInDurableObject(stub, (_, state) => state.storage.getAlarm()))! - Date.now();
    expect(await armedIn()).toBeGreaterThan(MESSAGES_ARCHIVE_BURST_DELAY_MS - 1_000);
    const rest = await bulk(MAIL_BURST_MESSAGES, 30);
    await stub.followMail({ id: project.id, slug: project.slug, human_key: project.human_key });
    expect(await armedIn()).toBeGreaterThan(MESSAGES_ARCHIVE_BURST_DELAY_MS - 1_000);
    expect(await stub.archivedMessageIds(rest.map((m) => m.id))).toEqual([]);
    const commitsBefore = (await stub.archiveLog(100)).length;
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const ids = [...first, ...rest].map((m) => m.id);
    expect((await stub.archivedMessageIds(ids)).sort((x, y) => x - y)).toEqual(ids);
    expect((await stub.archiveLog(100)).length).toBe(commitsBefore + 1);
    // That pass read fewer than a burst's worth: the one after it is back to the normal delay.
    expect(await armedIn()).toBeLessThanOrEqual(MESSAGES_ARCHIVE_DELAY_MS);
  });

  it("a send whose tell was skipped (one tell per 250 ms per isolate) is read by the pass that follows the last tell", async () => {
    const db = createDb(env.DB);
    const project = await ensureProject(db, `/work/archive-trailing-${crypto.randomUUID()}`);
    const [a, b] = await Promise.all([0, 1].map(() => registerAgent(db, { projectKey: project.slug, program: "p", model: "m" })));
    await setContactPolicy(db, await requireActingAgent(db, project.slug, b!.name, b!.registration_token!), "open");
    const actingA = await requireActingAgent(db, project.slug, a!.name, a!.registration_token!);
    const stub = coordinatorFor(env, project);
    const tells: Array<Promise<unknown>> = [];
    const notifier = archivingNotifier(env, db, (p) => void tells.push(p));
    const first = await sendMessage(db, actingA, { to: [b!.name], subject: "First", bodyMd: "told" }, { notifier });
    await Promise.all(tells);
    // The pass the tell scheduled runs before the second message exists.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const second = await sendMessage(db, actingA, { to: [b!.name], subject: "Second", bodyMd: "not told" }, { notifier });
    await Promise.all(tells);
    const ids = [first.deliveries[0]!.payload.id, second.deliveries[0]!.payload.id];
    expect(await stub.archivedMessageIds(ids)).toEqual([ids[0]]);
    // The trailing pass is armed without a new tell, and it sees the second message.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.archivedMessageIds(ids)).toEqual(ids);
  });

  it("archives a sender from another project as Name@slug (read back from D1)", async () => {
    const db = createDb(env.DB);
    const home = await ensureProject(db, `/work/archive-away-${crypto.randomUUID()}`);
    const away = await ensureProject(db, `/work/archive-away-from-${crypto.randomUUID()}`);
    const b = await registerAgent(db, { projectKey: home.slug, program: "p", model: "m" });
    const visitor = await registerAgent(db, { projectKey: away.slug, program: "p", model: "m" });
    await setContactPolicy(db, await requireActingAgent(db, home.slug, b.name, b.registration_token!), "open");
    const tells: Array<Promise<unknown>> = [];
    const actingVisitor = await requireActingAgent(db, away.slug, visitor.name, visitor.registration_token!);
    const sent = await sendMessage(db, actingVisitor, { to: [`${b.name}@${home.slug}`], subject: "From afar", bodyMd: "hello" }, { notifier: archivingNotifier(env, db, (p) => void tells.push(p)) });
    await Promise.all(tells);
    await coordinatorFor(env, home).flushArchive(home.slug);
    const { tree } = await history(home.slug);
    const files = await listTree(home.slug, tree);
    const path = [...files.keys()].find((p) => p.startsWith("messages/") && p.endsWith(`/${sent.deliveries[0]!.payload.id}.md`))!;
    const front = JSON.parse((await text(home.slug, files.get(path)!)).split("\n---\n")[0]!.slice("---json\n".length)) as { from: string };
    expect(front.from).toBe(`${visitor.name}@${away.slug}`);
  });
});
