/**
 * The archive writer: turns queued jobs into git commits whose objects live in R2 as one pack per commit under
 * `archive/<slug>/objects/pack/` and whose ref lives in the coordinator's storage.
 *
 * The coordinator is the git lock: jobs are committed strictly one after another (a promise chain), in the order
 * they were queued. Objects are uploaded before the ref moves, so a failed upload leaves the previous head intact
 * and the job queued for the alarm to retry. Re-running a job is harmless: objects are content-addressed and the
 * job key (message:<id>, …) is recorded as done in the same transaction that moves the ref.
 */
import { sha1Hex } from "./bytes";
import { ObjectBuilder, type TreeEntry } from "./git-objects";
import type { ArchiveFile, ArchiveJob } from "./documents";
import { ArchivePacker } from "./packer";

const MAIN_REF = "refs/heads/main";

const AUTHOR = { name: "Pigeonhole", email: "archive@pigeonhole.invalid" };

interface JobRow extends Record<string, SqlStorageValue> {
  seq: number;
  key: string;
  payload: string;
  attempts: number;
}

interface QueuedJob {
  seq: number;
  key: string;
  job: ArchiveJob;
}

/**
 * Most queued jobs committed together, and the most files one coalesced commit may hold (a single job is always
 * taken whole): they bound one commit's size while a burst of writes queues up behind a commit in flight.
 */
const MAX_COALESCED_JOBS = 500;
const MAX_COALESCED_FILES = 5_000;

/** Keys per `IN (…)` lookup: Durable Object SQLite allows at most 100 bound parameters per statement. */
const COMMITTED_KEYS_PER_QUERY = 100;

export type EnqueueOutcome = "queued" | "already-queued" | "already-committed";

export interface ArchiveHead {
  ref: string;
  oid: string | null;
}

export interface ArchiveLogEntry {
  oid: string;
  message: string;
  author: string;
  /** ISO-8601 UTC, the commit's time. */
  committed_ts: string;
}

export interface DrainReport {
  committed: number;
  pending: number;
  failed?: string;
  /** Pack merges run after the commits. */
  merged?: number;
  /** Why merging failed (never fatal: the packs stay as they are and the next drain tries again). */
  mergeFailed?: string;
}

/** R2 key prefix of a project's git objects. */
export function objectPrefix(slug: string): string {
  return `archive/${slug}/`;
}

/** The content of a claims file whose job names claim ids, read when the commit is built. */
export type ClaimsFileReader = (pattern: string, claimIds: number[]) => string;

export class ArchiveWriter {
  #chain: Promise<unknown> = Promise.resolve();
  /** Commits were made since the last merge pass (after a restart, the next commit makes it due again). */
  #mergeDue = false;
  readonly #packer: ArchivePacker;

  constructor(
    private readonly storage: DurableObjectStorage,
    bucket: R2Bucket,
    private readonly claimsFile: ClaimsFileReader,
  ) {
    this.#packer = new ArchivePacker(storage, bucket);
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  /** Queues a job unless its key is already queued or committed (idempotency by key). */
  enqueue(key: string, job: ArchiveJob): EnqueueOutcome {
    if (this.sql.exec(`SELECT 1 FROM archive_done WHERE key = ?`, key).toArray().length > 0) return "already-committed";
    const inserted = this.sql
      .exec(`INSERT INTO archive_jobs (key, payload) VALUES (?, ?) ON CONFLICT (key) DO NOTHING RETURNING seq`, key, JSON.stringify(job))
      .toArray();
    return inserted.length > 0 ? "queued" : "already-queued";
  }

  committedKeys(keys: string[]): string[] {
    const found: string[] = [];
    // Durable Object SQLite caps bound parameters per statement (a 300-key list fails): ask in slices.
    for (let i = 0; i < keys.length; i += COMMITTED_KEYS_PER_QUERY) {
      const slice = keys.slice(i, i + COMMITTED_KEYS_PER_QUERY);
      const placeholders = slice.map(() => "?").join(",");
      for (const r of this.sql.exec<{ key: string }>(`SELECT key FROM archive_done WHERE key IN (${placeholders})`, ...slice)) {
        found.push(r.key);
      }
    }
    return found;
  }

  /**
   * Drops the done-markers of committed jobs whose keys start with `prefix`: for jobs that are queued once, in the
   * transaction of the change they record, and never asked about again (claims changes), the markers would only grow.
   */
  forgetCommitted(prefix: string): void {
    // A range on the primary key rather than LIKE, whose escaping rules and case folding do not apply to keys.
    this.sql.exec(`DELETE FROM archive_done WHERE key >= ? AND key < ?`, prefix, `${prefix}\uffff`);
  }

  commitOf(key: string): string | undefined {
    return this.sql.exec<{ commit_oid: string }>(`SELECT commit_oid FROM archive_done WHERE key = ?`, key).toArray()[0]
      ?.commit_oid;
  }

  pendingCount(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM archive_jobs`).one().n;
  }

  /** The newest commits first (what `git log` would list), at most `limit`. */
  log(limit: number): ArchiveLogEntry[] {
    return this.sql
      .exec<ArchiveLogEntry & Record<string, SqlStorageValue>>(
        `SELECT oid, message, author, committed_ts FROM archive_commits ORDER BY rowid DESC LIMIT ?`,
        limit,
      )
      .toArray();
  }

  head(): ArchiveHead {
    const row = this.sql.exec<{ oid: string }>(`SELECT oid FROM archive_refs WHERE name = ?`, MAIN_REF).toArray()[0];
    return { ref: MAIN_REF, oid: row?.oid ?? null };
  }

  packNames(): string[] {
    return this.#packer.packNames();
  }

  /**
   * Commits every queued job, in order; stops at the first failure (kept queued, retried later). Then merges packs,
   * unless `merge` is false: the caller may put merging off (say, to the quiet pass after a burst of mail, since
   * every merge during a burst rewrites packs the next commit outgrows); a later drain merges what is due.
   */
  drain(slug: string, merge = true): Promise<DrainReport> {
    const run = this.#chain.then(async () => {
      const report = await this.#drainNow(slug);
      if (report.committed > 0) this.#mergeDue = true;
      if (!merge || !this.#mergeDue) return report;
      this.#mergeDue = false;
      try {
        return { ...report, merged: await this.#packer.compact(objectPrefix(slug)) };
      } catch (err) {
        return { ...report, mergeFailed: err instanceof Error ? err.message : String(err) };
      }
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #drainNow(slug: string): Promise<DrainReport> {
    let committed = 0;
    for (;;) {
      const batch = this.#nextBatch();
      if (batch.length === 0) return { committed, pending: 0 };
      try {
        await this.#commit(slug, batch);
        committed += batch.length;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        this.sql.exec(
          `UPDATE archive_jobs SET attempts = attempts + 1, last_error = ? WHERE seq = ?`,
          reason.slice(0, 500),
          batch[0]!.seq,
        );
        return { committed, pending: this.pendingCount(), failed: reason };
      }
    }
  }

  /**
   * Group commit: the oldest queued job plus those queued behind it, up to the size bounds. Whatever queued while
   * the previous commit was uploading becomes the next commit, so an idle archive still gets one commit per write
   * and a burst of writes shares one tree rewrite (the Rust port's commit coalescer made the same trade). Each
   * job's files always land in one commit together.
   */
  #nextBatch(): QueuedJob[] {
    const rows = this.sql.exec<JobRow>(`SELECT * FROM archive_jobs ORDER BY seq LIMIT ?`, MAX_COALESCED_JOBS).toArray();
    const batch: QueuedJob[] = [];
    let files = 0;
    for (const row of rows) {
      const job = JSON.parse(row.payload) as ArchiveJob;
      if (batch.length > 0 && files + job.files.length > MAX_COALESCED_FILES) break;
      batch.push({ seq: row.seq, key: row.key, job });
      files += job.files.length;
    }
    return batch;
  }

  async #commit(slug: string, rows: QueuedJob[]): Promise<void> {
    const job = mergeJobs(rows.map((r) => r.job));
    const builder = new ObjectBuilder();
    const files = new Map<string, string>();
    // A message's canonical, outbox and inbox copies are usually one content: hash it once.
    const blobs = new Map<string, string>();
    for (const file of job.files) {
      const path = "path" in file ? file.path : `claims/${await sha1Hex(file.claimPattern)}.json`;
      const content = "content" in file ? file.content : this.claimsFile(file.claimPattern, file.claimIds);
      let oid = blobs.get(content);
      if (oid === undefined) {
        oid = await builder.blob(content);
        blobs.set(content, oid);
      }
      files.set(path, oid);
    }
    const trees = await this.#rebuildTrees(builder, files);
    const head = this.head().oid ?? undefined;
    const rootTree = trees.get("")!;
    const headTree = this.sql.exec<{ oid: string }>(`SELECT oid FROM archive_dirs WHERE path = ''`).toArray()[0]?.oid;
    const now = new Date().toISOString();
    if (head && headTree === rootTree) {
      // Nothing changed (a re-archived identical profile, say): record the key against the current head.
      this.storage.transactionSync(() => {
        for (const row of rows) {
          this.sql.exec(`INSERT OR IGNORE INTO archive_done (key, commit_oid, committed_ts) VALUES (?, ?, ?)`, row.key, head, now);
          this.sql.exec(`DELETE FROM archive_jobs WHERE seq = ?`, row.seq);
        }
      });
      return;
    }
    const timestamp = Math.floor(Date.parse(job.time) / 1000);
    const commit = await builder.commit({ tree: rootTree, parent: head, message: job.message, author: { ...AUTHOR, timestamp } });
    const pack = await this.#packer.upload(objectPrefix(slug), builder.objects());
    this.storage.transactionSync(() => {
      this.#packer.record(pack);
      for (const [path, oid] of files) {
        const { dir, name } = split(path);
        this.sql.exec(
          `INSERT INTO archive_files (path, dir, name, oid) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET oid = excluded.oid`,
          path,
          dir,
          name,
          oid,
        );
      }
      for (const [path, oid] of trees) {
        const { dir, name } = path === "" ? { dir: null, name: "" } : split(path);
        this.sql.exec(
          `INSERT INTO archive_dirs (path, dir, name, oid) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET oid = excluded.oid`,
          path,
          dir,
          name,
          oid,
        );
      }
      this.sql.exec(
        `INSERT INTO archive_refs (name, oid) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET oid = excluded.oid`,
        MAIN_REF,
        commit,
      );
      this.sql.exec(
        `INSERT OR IGNORE INTO archive_commits (oid, message, author, committed_ts) VALUES (?, ?, ?, ?)`,
        commit,
        job.message,
        AUTHOR.name,
        new Date(timestamp * 1000).toISOString(),
      );
      for (const row of rows) {
        this.sql.exec(`INSERT OR REPLACE INTO archive_done (key, commit_oid, committed_ts) VALUES (?, ?, ?)`, row.key, commit, now);
        this.sql.exec(`DELETE FROM archive_jobs WHERE seq = ?`, row.seq);
      }
    });
  }

  /** Rewrites the trees on the changed paths, deepest first; returns dir path → new tree oid ("" is the root). */
  async #rebuildTrees(builder: ObjectBuilder, files: Map<string, string>): Promise<Map<string, string>> {
    const dirty = new Set<string>([""]);
    for (const path of files.keys()) {
      let dir = split(path).dir;
      while (dir !== "") {
        dirty.add(dir);
        dir = split(dir).dir;
      }
    }
    const depth = (p: string) => (p === "" ? 0 : p.split("/").length);
    const order = [...dirty].sort((a, b) => depth(b) - depth(a));
    // The new entries of each directory, found once (a burst's commit touches hundreds of files and directories).
    const changed = new Map<string, TreeEntry[]>();
    const add = (path: string, oid: string, type: TreeEntry["type"]) => {
      const { dir, name } = split(path);
      const list = changed.get(dir);
      if (list) list.push({ name, oid, type });
      else changed.set(dir, [{ name, oid, type }]);
    };
    for (const [path, oid] of files) add(path, oid, "blob");
    const rebuilt = new Map<string, string>();
    for (const dir of order) {
      const entries = new Map<string, TreeEntry>();
      for (const f of this.sql.exec<{ name: string; oid: string }>(`SELECT name, oid FROM archive_files WHERE dir = ?`, dir)) {
        entries.set(f.name, { name: f.name, oid: f.oid, type: "blob" });
      }
      for (const d of this.sql.exec<{ name: string; oid: string }>(`SELECT name, oid FROM archive_dirs WHERE dir = ?`, dir)) {
        entries.set(d.name, { name: d.name, oid: d.oid, type: "tree" });
      }
      for (const entry of changed.get(dir) ?? []) entries.set(entry.name, entry);
      const oid = await builder.tree([...entries.values()]);
      rebuilt.set(dir, oid);
      // Deepest first: the parent is rebuilt after this directory, with its new oid.
      if (dir !== "") add(dir, oid, "tree");
    }
    return rebuilt;
  }
}

/**
 * Several jobs as one commit: the latest content per file (claims snapshots supersede each other, and the claims
 * named for one pattern add up; message files never collide), a subject counting the writes by kind, and one body
 * line per job so `git log` still names every message, profile and claim change.
 */
function mergeJobs(jobs: ArchiveJob[]): ArchiveJob {
  if (jobs.length === 1) return jobs[0]!;
  const files = new Map<string, ArchiveFile>();
  for (const job of jobs) {
    for (const file of job.files) {
      const key = "path" in file ? file.path : `claim:${file.claimPattern}`;
      const earlier = files.get(key);
      const merged =
        earlier && "claimIds" in earlier && "claimIds" in file
          ? { claimPattern: file.claimPattern, claimIds: [...new Set([...earlier.claimIds, ...file.claimIds])] }
          : file;
      files.set(key, merged);
    }
  }
  const kinds = new Map<string, number>();
  for (const job of jobs) {
    const kind = job.message.slice(0, job.message.indexOf(":"));
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const counts = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(", ");
  const lines = jobs.map((j) => j.message.split("\n").filter((l) => l.trim() !== "").join(" | "));
  return {
    message: `archive: ${jobs.length} writes (${counts})\n\n${lines.join("\n")}`,
    time: jobs.at(-1)!.time,
    files: [...files.values()],
  };
}

function split(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? { dir: "", name: path } : { dir: path.slice(0, slash), name: path.slice(slash + 1) };
}
