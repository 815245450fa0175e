/** Group commit (db/group-commit.ts): concurrent batches share a D1 round trip without sharing each other's fate. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { groupCommit } from "../../src/db/group-commit";
import { countingD1 } from "./counting-d1";

beforeAll(async () => {
  await env.DB.prepare("CREATE TABLE IF NOT EXISTS group_commit_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL UNIQUE)").run();
});

/** A member's batch: insert its row, then read back the newest row's label (its own, if nothing interleaved). */
function member(d1: D1Database, label: string): D1PreparedStatement[] {
  return [
    d1.prepare("INSERT INTO group_commit_rows (label) VALUES (?) RETURNING id").bind(label),
    d1.prepare("SELECT label FROM group_commit_rows ORDER BY id DESC LIMIT 1"),
  ];
}

async function labels(prefix: string): Promise<string[]> {
  const rows = await env.DB.prepare("SELECT label FROM group_commit_rows WHERE label LIKE ? ORDER BY id").bind(`${prefix}%`).all<{ label: string }>();
  return rows.results.map((r) => r.label);
}

describe("groupCommit", () => {
  it("runs a lone batch at once, in one round trip", async () => {
    const counter = countingD1();
    const [inserted, newest] = await groupCommit(counter.d1, member(counter.d1, "lone"));
    expect(inserted!.results).toHaveLength(1);
    expect(newest!.results).toEqual([{ label: "lone" }]);
    expect(counter.trips()).toBe(1);
  });

  it("combines concurrent batches into fewer round trips; each gets its own results, in arrival order", async () => {
    const counter = countingD1();
    const names = Array.from({ length: 30 }, (_, i) => `combined-${i}`);
    const answers = await Promise.all(names.map((name) => groupCommit(counter.d1, member(counter.d1, name))));
    answers.forEach(([, newest], i) => expect(newest!.results).toEqual([{ label: names[i] }]));
    expect(await labels("combined-")).toEqual(names);
    expect(counter.trips()).toBeLessThan(names.length);
    // A group holds at most 24 statements (12 of these members): never one giant batch.
    expect(counter.trips()).toBeGreaterThanOrEqual(Math.ceil((names.length * 2) / 24));
  });

  it("a failing member fails alone: the others' rows are written, the failing one's are not", async () => {
    const counter = countingD1();
    await env.DB.prepare("INSERT INTO group_commit_rows (label) VALUES ('taken')").run();
    const outcomes = await Promise.allSettled(
      ["iso-a", "taken", "iso-b", "iso-c"].map((name) => groupCommit(counter.d1, member(counter.d1, name))),
    );
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(await labels("iso-")).toEqual(["iso-a", "iso-b", "iso-c"]);
    expect(await labels("taken")).toEqual(["taken"]);
  });
});
