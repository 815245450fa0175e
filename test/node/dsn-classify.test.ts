/**
 * The DSN corpus (test/fixtures/dsn, expected.json) and the RFC 3463 class rules. Each fixture is built
 * from the RFCs (3464, 3834, 5965, 6522, 6533) and the formats real MTAs emit; the manifest names the
 * kind, every reported recipient with class and status, and the best match key the classifier must find.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classify, classifyStatus } from "../../src/sidecar/classify";

const DIR = join(import.meta.dirname, "../fixtures/dsn");

interface Expected {
  about: string;
  kind: string;
  recipients: { email: string; class: string; status?: string }[];
  feedback_type?: string;
  envid?: string;
  token?: string;
  message_id?: string;
}

const manifest = JSON.parse(readFileSync(join(DIR, "expected.json"), "utf8")) as Record<string, Expected>;

describe("DSN corpus", () => {
  it("has a manifest entry for every fixture, and at least 30 of them", () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".eml")).sort();
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(manifest).sort()).toEqual(files);
  });

  for (const [file, want] of Object.entries(manifest)) {
    it(`classifies ${file} (${want.about})`, async () => {
      const got = await classify(readFileSync(join(DIR, file)));
      expect(got.kind).toBe(want.kind);
      expect(got.recipients.map((r) => ({ email: r.email, class: r.class, ...(r.status ? { status: r.status } : {}) }))).toEqual(
        want.recipients,
      );
      if (want.feedback_type) expect(got.feedbackType).toBe(want.feedback_type);
      if (want.envid) expect(got.keys.envids).toContain(want.envid);
      if (want.token) expect(got.keys.tokens).toContain(want.token);
      if (want.message_id) expect(got.keys.messageIds).toContain(want.message_id);
    });
  }
});

describe("bounce class rules (RFC 3463 subject codes)", () => {
  it.each([
    ["failed", "5.1.1", undefined, "hard"],
    ["failed", "5.1.10", undefined, "hard"],
    ["failed", "5.2.1", undefined, "hard"],
    ["failed", "5.2.2", undefined, "soft"],
    ["failed", "4.2.2", undefined, "soft"],
    ["failed", "4.4.1", undefined, "soft"],
    ["failed", "5.7.515", undefined, "block"],
    ["failed", "5.7.26", undefined, "block"],
    ["failed", "4.7.28", undefined, "block"],
    ["delayed", "4.4.1", undefined, "deferred"],
    ["failed", "5.0.0", "smtp; 550 5.1.1 user unknown", "hard"],
    ["failed", "5.0.0", "smtp; 550 mailbox full", "soft"],
    ["failed", undefined, "smtp; 554 rejected: your IP is on a block list", "block"],
    ["failed", undefined, "something went wrong", "soft"],
  ] as const)("%s %s %s → %s", (action, status, diagnostic, want) => {
    expect(classifyStatus(action, status, diagnostic)).toBe(want);
  });

  it("never reads the report's own Message-ID as a match key", async () => {
    const raw = readFileSync(join(DIR, "dsn-no-returned-part.eml"));
    const got = await classify(raw);
    expect(got.keys.messageIds).not.toContain("min-1@mx.minimal.example");
  });

  it("reads a report whose line endings are mixed the same as its LF-only form", async () => {
    const lf = readFileSync(join(DIR, "postfix-user-unknown.eml"), "utf8").replace(/\r\n/g, "\n");
    // A CRLF blank line far below the LF one: the byte and text splits of the top block then differ.
    const mixed = Buffer.from(`${lf}\r\n\r\n`);
    const want = await classify(Buffer.from(lf));
    expect(want.kind).toBe("bounce");
    expect(await classify(mixed)).toEqual(want);
  });

  it("classifies malformed input as other instead of throwing", async () => {
    const got = await classify("Content-Type: multipart/report; boundary=\n\n--\n\x00\x01");
    expect(got.kind).toBe("other");
  });
});
