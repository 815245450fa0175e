/**
 * Group commit for D1 batches within one isolate. While a batch is in flight, the batches that arrive wait for it
 * and then go to D1 together as one batch: one round trip and one transaction for many writers, which is what
 * bounds a busy database (a D1 database is a single SQLite writer). When nothing is in flight a batch goes at once,
 * so a lone caller never waits.
 *
 * Members run in arrival order, each member's statements in its own order, so the combined batch does exactly what
 * running them one after another would; each member gets back the results of its own statements. A combined batch
 * that fails was rolled back as a whole, so its members are retried one by one and only the failing one fails.
 *
 * The call is always made by a member still waiting for its own answer (the oldest one), never by a request that
 * has already answered, and a group stays small (MAX_GROUP_STATEMENTS) so one invocation never carries many
 * others' queries.
 */

const MAX_GROUP_STATEMENTS = 24;

interface Member {
  statements: D1PreparedStatement[];
  outcome?: { results: D1Result[] } | { error: unknown };
}

interface Lane {
  busy: boolean;
  queue: Member[];
  /** Settles when the batch in flight is done. */
  idle: Promise<void>;
}

const lanes = new WeakMap<D1Database, Lane>();

/** d1.batch(statements), combined with the batches other requests of this isolate make meanwhile. */
export async function groupCommit(d1: D1Database, statements: D1PreparedStatement[]): Promise<D1Result[]> {
  let lane = lanes.get(d1);
  if (!lane) {
    lane = { busy: false, queue: [], idle: Promise.resolve() };
    lanes.set(d1, lane);
  }
  const me: Member = { statements };
  lane.queue.push(me);
  while (!me.outcome) {
    if (lane.busy) {
      await lane.idle;
      continue;
    }
    lane.busy = true;
    let resolve!: () => void;
    lane.idle = new Promise<void>((done) => (resolve = done));
    try {
      await runGroup(d1, takeGroup(lane.queue));
    } finally {
      lane.busy = false;
      resolve();
    }
  }
  if ("error" in me.outcome) throw me.outcome.error;
  return me.outcome.results;
}

/** The oldest members, up to MAX_GROUP_STATEMENTS statements (always at least one member). */
function takeGroup(queue: Member[]): Member[] {
  let count = 0;
  let take = 0;
  while (take < queue.length && (take === 0 || count + queue[take]!.statements.length <= MAX_GROUP_STATEMENTS)) {
    count += queue[take]!.statements.length;
    take += 1;
  }
  return queue.splice(0, take);
}

async function runGroup(d1: D1Database, group: Member[]): Promise<void> {
  if (group.length > 1) {
    try {
      const results = await d1.batch(group.flatMap((member) => member.statements));
      let at = 0;
      for (const member of group) {
        member.outcome = { results: results.slice(at, at + member.statements.length) };
        at += member.statements.length;
      }
      return;
    } catch {
      // Rolled back as a whole: fall through and run each member on its own.
    }
  }
  for (const member of group) {
    try {
      member.outcome = { results: await d1.batch(member.statements) };
    } catch (error) {
      member.outcome = { error };
    }
  }
}
