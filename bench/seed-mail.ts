/**
 * Bulk loader for the mail benchmarks: writes a large corpus straight into the bench worker's local D1
 * file, after migrations and before `wrangler dev` starts, in one transaction (100k MCP calls would take
 * longer than the benchmark itself). FTS5 rows come from the migration's triggers, as in production.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface SeededAgent {
  name: string;
  token: string;
}

export interface SeededCorpus {
  project: string;
  sender: SeededAgent;
  /** Receives every message: the search case's viewer. */
  reader: SeededAgent;
  /** Receives the first `inboxSize` messages: the fetch_inbox case's inbox. */
  inbox: SeededAgent;
  messages: number;
}

/** Domain words the benchmark queries use; they sit mid-table in the frequency ranking below. */
const DOMAIN_WORDS = (
  "deploy gateway parser schema migration release rollback cache queue worker thread lock claim review test " +
  "build pipeline latency index shard replica token auth session cookie header payload retry backoff timeout " +
  "config secret bucket object stream socket buffer encoder decoder router handler middleware service client " +
  "server endpoint metric alert incident ticket branch commit merge rebase conflict patch hotfix feature flag"
).split(" ");

const SYLLABLES = "ka lo mi ne su ta ri po ve da zu fe gi ho ja ku le mo ni pa qu ro si te vu wa xe yo".split(" ");

/**
 * A 5,000-word vocabulary with Zipf frequencies (rank r drawn with probability ∝ 1/r), as natural text has:
 * synthetic words fill the ranks, the domain words take ranks 200-259 (each in a few percent of messages).
 */
const VOCABULARY: string[] = (() => {
  const words: string[] = [];
  for (let i = 0; words.length < 5000; i++) {
    const a = SYLLABLES[i % SYLLABLES.length]!;
    const b = SYLLABLES[Math.floor(i / SYLLABLES.length) % SYLLABLES.length]!;
    const c = SYLLABLES[Math.floor(i / SYLLABLES.length ** 2) % SYLLABLES.length]!;
    words.push(`${a}${b}${c}`);
  }
  words.splice(200, DOMAIN_WORDS.length, ...DOMAIN_WORDS);
  return words;
})();

/** Cumulative Zipf weights for inverse-transform sampling. */
const CUMULATIVE: number[] = (() => {
  let sum = 0;
  return VOCABULARY.map((_, rank) => (sum += 1 / (rank + 1)));
})();

function zipfWord(uniform: number): string {
  const target = uniform * CUMULATIVE[CUMULATIVE.length - 1]!;
  let lo = 0;
  let hi = CUMULATIVE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (CUMULATIVE[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return VOCABULARY[lo]!;
}

function d1File(persistDir: string): string {
  const dir = join(persistDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database under ${dir}`);
  return join(dir, file);
}

function agent(name: string): SeededAgent & { hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { name, token, hash: createHash("sha256").update(token).digest("hex") };
}

/** Deterministic pseudo-random text of about `bytes` bytes (xorshift, so runs are comparable). */
function body(seed: number, bytes: number): string {
  let x = (seed * 2654435761 + 1) | 0;
  const words: string[] = [];
  let length = 0;
  while (length < bytes) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const word = zipfWord((x >>> 0) / 4294967296);
    words.push(word);
    length += word.length + 1;
  }
  return words.join(" ");
}

export function seedMailCorpus(persistDir: string, messages: number, inboxSize: number): SeededCorpus {
  const db = new DatabaseSync(d1File(persistDir));
  db.exec("PRAGMA busy_timeout = 30000");
  const slug = `bench-corpus-${Date.now()}`;
  const sender = agent("corpus-sender");
  const reader = agent("corpus-reader");
  const inbox = agent("corpus-inbox");
  const now = new Date();
  db.exec("BEGIN IMMEDIATE");
  try {
    const projectId = Number(
      db.prepare("INSERT INTO projects (slug, human_key, created_at) VALUES (?, ?, ?)").run(slug, `/${slug}`, now.toISOString()).lastInsertRowid,
    );
    const insertAgent = db.prepare(
      "INSERT INTO agents (project_id, name, name_key, program, model, contact_policy, token_hash, inception_ts, last_active_ts) VALUES (?, ?, ?, 'bench', 'bench', 'open', ?, ?, ?)",
    );
    const ids = [sender, reader, inbox].map((a) =>
      Number(insertAgent.run(projectId, a.name, a.name, a.hash, now.toISOString(), now.toISOString()).lastInsertRowid),
    );
    const insertMessage = db.prepare(
      "INSERT INTO messages (project_id, sender_id, thread_id, subject, body_md, importance, ack_required, created_ts) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
    );
    const insertRecipient = db.prepare("INSERT INTO message_recipients (message_id, agent_id, kind, created_ts) VALUES (?, ?, 'to', ?)");
    const start = now.getTime() - messages * 1000;
    for (let i = 0; i < messages; i++) {
      const created = new Date(start + i * 1000).toISOString();
      const id = Number(
        insertMessage.run(projectId, ids[0]!, `T-${i % 1000}`, `${body(i + 7, 40)} #${i}`, body(i, 512), i % 50 === 0 ? "urgent" : "normal", created)
          .lastInsertRowid,
      );
      insertRecipient.run(id, ids[1]!, created);
      // The inbox agent gets the newest `inboxSize` messages.
      if (i >= messages - inboxSize) insertRecipient.run(id, ids[2]!, created);
    }
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  } finally {
    db.close();
  }
  return { project: slug, sender, reader, inbox, messages };
}
