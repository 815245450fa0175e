/**
 * The coordinator's behaviour behind its RPC surface: claims (atomic, in SQLite), the archive outbox and writer,
 * and the alarm that both expires leases and retries archive commits. Service errors are returned as data
 * (`{error}`) because custom Error fields do not survive the RPC boundary; the Worker side rethrows them.
 */
import { AppError } from "../shared/errors";
import { createDb } from "../db";
import {
  ARCHIVE_RETRY_DELAY_MS,
  CLAIMS_ARCHIVE_DELAY_MS,
  DEFAULT_CLAIM_TTL_SECONDS,
  MAIL_BURST_MESSAGES,
  MAIL_FOLLOW_PAGE,
  MAIL_FOLLOW_PASS_PAGES,
  MAIL_FOLLOW_TRAILING_MS,
  MAX_PACKS_BEFORE_MERGE,
  MESSAGES_ARCHIVE_BURST_DELAY_MS,
  MESSAGES_ARCHIVE_DELAY_MS,
} from "./constants";
import { loadArchiveMessages, type ArchiveProject } from "./archive-d1";
import { ClaimsStore, type Changed, type ClaimSelector } from "./claims-store";
import { sha1Hex } from "./archive/bytes";
import { claimsFile, claimsJob, messageJob, profileJob, type ArchiveAgentProfile, type ArchiveMessage } from "./archive/documents";
import { ArchiveWriter, type ArchiveHead, type ArchiveLogEntry, type DrainReport, type EnqueueOutcome } from "./archive/writer";
import { SCHEMA_MIGRATIONS, SCHEMA_VERSION } from "./schema";
import type {
  AgentRef,
  CheckResult,
  ClaimRecord,
  ClaimResult,
  ForceReleaseResult,
  ReleaseResult,
  RenewResult,
  RpcResult,
} from "./types";

/**
 * Claims jobs are keyed uniquely (time and a random id, or the first expired claim) and queued once, in the same
 * transaction as the change they record: nothing ever asks whether one was committed, so their markers are dropped.
 */
const CLAIMS_JOB_PREFIX = "claims:";

/** Message jobs are keyed by message id: idempotency, and what repair asks about. */
const MESSAGE_JOB_PREFIX = "message:";
const messageKey = (id: number) => `${MESSAGE_JOB_PREFIX}${id}`;

export interface ClaimInput {
  slug: string;
  agent: AgentRef;
  paths: string[];
  ttl_seconds?: number;
  exclusive?: boolean;
  reason?: string;
}

export interface SelectorInput extends ClaimSelector {
  slug: string;
  agent: AgentRef;
}

export interface ArchiveOutcome {
  key: string;
  outcome: EnqueueOutcome;
  commit: string | null;
  drain: DrainReport;
}

export class CoordinatorImpl {
  readonly #claims: ClaimsStore;
  readonly #archive: ArchiveWriter;
  /** The alarm time as last read or set (null: none armed); undefined until first needed. */
  #alarmAt: number | null | undefined;
  /** When the last "new mail" tell arrived; undefined since this object woke (then assume just now). */
  #toldAt: number | undefined;
  /** When the pass after a burst is due (epoch ms; 0 when no burst is under way). */
  #burstPassAt = 0;
  /** Whether D1 may hold mail the archive has not read yet (another pass is due). */
  #mailBehind = false;
  /** Whether meta.project_slug has been written since this object woke. */
  #slugStored = false;
  /** The project whose mail this archive follows (told by followMail, kept in meta across restarts). */
  #followed: ArchiveProject | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    this.#claims = new ClaimsStore(ctx.storage);
    this.#archive = new ArchiveWriter(ctx.storage, env.ARCHIVE, (pattern, claimIds) =>
      claimsFile(pattern, this.#claims.forArchive(pattern, claimIds, Date.now())),
    );
  }

  ensureSchema(): void {
    const sql = this.ctx.storage.sql;
    const current = this.schemaVersion();
    if (current >= SCHEMA_VERSION) return;
    this.ctx.storage.transactionSync(() => {
      for (const statement of SCHEMA_MIGRATIONS.slice(current)) sql.exec(statement);
      sql.exec(
        `INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        String(SCHEMA_VERSION),
      );
    });
  }

  schemaVersion(): number {
    const sql = this.ctx.storage.sql;
    sql.exec(SCHEMA_MIGRATIONS[0]!);
    const row = sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`).toArray()[0];
    return row ? Number(row.value) : 0;
  }

  async claim(input: ClaimInput): Promise<RpcResult<ClaimResult>> {
    return this.#mutate(input.slug, "claim", input.agent, () =>
      this.#claims.claim(
        input.agent,
        input.paths,
        {
          ttlSeconds: input.ttl_seconds ?? DEFAULT_CLAIM_TTL_SECONDS,
          exclusive: input.exclusive ?? true,
          reason: input.reason ?? "",
        },
        Date.now(),
      ),
    );
  }

  async release(input: SelectorInput): Promise<RpcResult<ReleaseResult>> {
    return this.#mutate(input.slug, "release", input.agent, () =>
      this.#claims.release(input.agent, input, Date.now()),
    );
  }

  async renew(input: SelectorInput & { extend_seconds: number }): Promise<RpcResult<RenewResult>> {
    return this.#mutate(input.slug, "renew", input.agent, () =>
      this.#claims.renew(input.agent, input.extend_seconds, input, Date.now()),
    );
  }

  getClaim(claimId: number): ClaimRecord | null {
    return this.#claims.get(claimId) ?? null;
  }

  async forceRelease(input: {
    slug: string;
    agent: AgentRef;
    claim_id: number;
    holder_last_active_ts?: string;
  }): Promise<RpcResult<ForceReleaseResult>> {
    return this.#mutate(input.slug, "force-release", input.agent, () =>
      this.#claims.forceRelease(input.agent, input.claim_id, input.holder_last_active_ts, Date.now()),
    );
  }

  check(input: { agent: AgentRef; paths: string[] }): RpcResult<CheckResult> {
    return capture(() => this.#claims.check(input.agent, input.paths, Date.now()));
  }

  list(activeOnly: boolean): ClaimRecord[] {
    return this.#claims.list(activeOnly, Date.now());
  }

  claimsOverlap(agentA: number, agentB: number): boolean {
    return this.#claims.overlap(agentA, agentB, Date.now());
  }

  overlappingHolders(agent: number, candidates: number[]): number[] {
    return this.#claims.overlappingHolders(agent, candidates, Date.now());
  }

  /** Queues the message's files (idempotent by message id) and commits what is queued before answering. */
  async archiveMessage(message: ArchiveMessage): Promise<ArchiveOutcome> {
    return this.#archiveJob(message.project.slug, messageKey(message.id), () => messageJob(message));
  }

  /**
   * The project has new mail in D1 (the send path). Answers at once; the alarm reads every message past the
   * archive's cursor within MESSAGES_ARCHIVE_DELAY_MS and commits the burst as one commit. D1 is the record and the
   * archive follows it, so a tell that never arrives only delays the archive until the next one.
   */
  async followMail(project: ArchiveProject): Promise<void> {
    if (this.#followed?.id !== project.id) {
      this.#rememberSlug(project.slug);
      this.#setMeta("mail_project", JSON.stringify(project));
      this.#followed = project;
    }
    this.#toldAt = Date.now();
    this.#mailBehind = true;
    // During a burst the next pass is already set further out (see MESSAGES_ARCHIVE_BURST_DELAY_MS): keep it there.
    await this.#scheduleAlarm(Math.max(MESSAGES_ARCHIVE_DELAY_MS, this.#burstPassAt - Date.now()));
  }

  async archiveProfile(slug: string, profile: ArchiveAgentProfile): Promise<ArchiveOutcome> {
    const key = `profile:${profile.name}:${await sha1Hex(JSON.stringify(profile))}`;
    return this.#archiveJob(slug, key, () => profileJob(profile, profile.last_active_ts));
  }

  /** Queues these messages (idempotent by id) for the next commit, without committing: repair then flushes once. */
  queueMessages(messages: ArchiveMessage[]): EnqueueOutcome[] {
    return this.ctx.storage.transactionSync(() => messages.map((message) => this.#queueMessage(message)));
  }

  /** Which of these message ids are committed, so a repair pass re-sends only the missing ones. */
  archivedMessageIds(ids: number[]): number[] {
    return this.#archive.committedKeys(ids.map(messageKey)).map((k) => Number(k.slice(MESSAGE_JOB_PREFIX.length)));
  }

  archiveHead(): ArchiveHead & { pending: number; packs: string[] } {
    return { ...this.#archive.head(), pending: this.#archive.pendingCount(), packs: this.#archive.packNames() };
  }

  archiveLog(limit: number): ArchiveLogEntry[] {
    return this.#archive.log(limit);
  }

  /** Reads the mail D1 has past the cursor and commits whatever is queued (used by repair and tests); the alarm does the same. */
  async flushArchive(slug: string): Promise<DrainReport> {
    this.#rememberSlug(slug);
    while ((await this.#readMail()) === MAIL_FOLLOW_PAGE) {
      // a full page: read on
    }
    const report = await this.#archive.drain(slug);
    this.#archive.forgetCommitted(CLAIMS_JOB_PREFIX);
    await this.#scheduleAlarm();
    return report;
  }

  /** Expires due leases (recording them in the archive) and retries queued archive commits. */
  async alarm(): Promise<void> {
    // A running alarm is no longer armed.
    this.#alarmAt = null;
    const now = Date.now();
    const expired = this.#claims.expireDue(now);
    if (expired.length > 0) {
      this.#archive.enqueue(
        `${CLAIMS_JOB_PREFIX}expire:${now}:${expired[0]!.id}`,
        claimsJob("expire", "coordinator", expired, new Date(now).toISOString()),
      );
    }
    let fullPage = false;
    let read = 0;
    if (this.#mailBehind || this.#followed === undefined) {
      for (let page = 0; page < MAIL_FOLLOW_PASS_PAGES; page++) {
        const count = await this.#readMail();
        read += count;
        fullPage = count === MAIL_FOLLOW_PAGE;
        if (!fullPage) break;
      }
      if (this.#followed) {
        // A pass close to the last tell is followed by one more (see MAIL_FOLLOW_TRAILING_MS).
        this.#toldAt ??= now;
        this.#mailBehind = fullPage || now - this.#toldAt < MAIL_FOLLOW_TRAILING_MS;
      }
    }
    const slug = this.#slug();
    // Packs are merged on the quiet pass after a burst of mail (or once too many pile up during a long one).
    const merge = !this.#mailBehind || this.#archive.packNames().length >= MAX_PACKS_BEFORE_MERGE;
    if (slug) await this.#archive.drain(slug, merge);
    this.#archive.forgetCommitted(CLAIMS_JOB_PREFIX);
    const burst = read >= MAIL_BURST_MESSAGES;
    this.#burstPassAt = burst ? Date.now() + MESSAGES_ARCHIVE_BURST_DELAY_MS : 0;
    await this.#scheduleAlarm(fullPage ? 0 : burst ? MESSAGES_ARCHIVE_BURST_DELAY_MS : MESSAGES_ARCHIVE_DELAY_MS);
  }

  /**
   * Queues the messages D1 holds past the cursor (one page) and moves the cursor in the same step, so each message
   * is queued once; the writer's idempotency keys make re-reading after a crash harmless. Returns how many it read.
   */
  async #readMail(): Promise<number> {
    this.#followed ??= this.#meta<ArchiveProject>("mail_project");
    const project = this.#followed;
    if (!project) return 0;
    const cursor = this.#meta<number>("mail_cursor") ?? 0;
    const page = await loadArchiveMessages(createDb(this.env.DB), project, cursor, MAIL_FOLLOW_PAGE);
    if (page.length === 0) return 0;
    this.ctx.storage.transactionSync(() => {
      for (const message of page) this.#queueMessage(message);
      this.#setMeta("mail_cursor", JSON.stringify(page.at(-1)!.id));
    });
    return page.length;
  }

  #queueMessage(message: ArchiveMessage): EnqueueOutcome {
    return this.#archive.enqueue(messageKey(message.id), messageJob(message));
  }

  #meta<T>(key: string): T | undefined {
    const text = this.#metaText(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  #metaText(key: string): string | undefined {
    return this.ctx.storage.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0]?.value;
  }

  #setMeta(key: string, value: string): void {
    this.ctx.storage.sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
  }

  async #archiveJob(slug: string, key: string, build: () => ReturnType<typeof messageJob>): Promise<ArchiveOutcome> {
    this.#rememberSlug(slug);
    const outcome = this.#archive.enqueue(key, build());
    const drain = outcome === "already-committed" ? { committed: 0, pending: this.#archive.pendingCount() } : await this.#archive.drain(slug);
    await this.#scheduleAlarm();
    return { key, outcome, commit: this.#archive.commitOf(key) ?? null, drain };
  }

  /**
   * Runs a claims mutation and queues its archive snapshot in the same synchronous step (so the change and its
   * record are stored together), and answers. The snapshot is committed by the alarm shortly after: a burst of
   * claim calls then becomes one commit, and the R2 uploads never compete with the claim that caused them.
   */
  async #mutate<T>(slug: string, action: string, agent: AgentRef, fn: () => Changed<T>): Promise<RpcResult<T>> {
    this.#rememberSlug(slug);
    const now = Date.now();
    const result = capture(() => {
      const { result, changed } = fn();
      if (changed.length > 0) {
        this.#archive.enqueue(
          `${CLAIMS_JOB_PREFIX}${action}:${now}:${crypto.randomUUID()}`,
          claimsJob(action, agent.name, changed, new Date(now).toISOString()),
        );
      }
      return result;
    });
    if ("ok" in result) await this.#scheduleAlarm(CLAIMS_ARCHIVE_DELAY_MS);
    return result;
  }

  /** Arms the alarm for the earliest of: the next lease expiry, and (jobs queued or mail unread) now + archiveDelayMs. */
  async #scheduleAlarm(archiveDelayMs = ARCHIVE_RETRY_DELAY_MS): Promise<void> {
    const candidates = [this.#claims.nextExpiry()];
    if (this.#mailBehind || this.#archive.pendingCount() > 0) candidates.push(Date.now() + archiveDelayMs);
    const next = Math.min(...candidates.filter((t): t is number => t !== undefined));
    if (!Number.isFinite(next)) return;
    // The armed time is remembered (this object is the only one setting it) so that a burst of writes does not
    // read it back from storage on every call; after a restart it is read once.
    const current = this.#alarmAt !== undefined ? this.#alarmAt : await this.ctx.storage.getAlarm();
    this.#alarmAt = current;
    if (current === null || current > next) {
      await this.ctx.storage.setAlarm(next);
      this.#alarmAt = next;
    }
  }

  #rememberSlug(slug: string): void {
    // One write per object lifetime: the slug of an object never changes (it is named after it).
    if (this.#slugStored) return;
    this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO meta (key, value) VALUES ('project_slug', ?)`, slug);
    this.#slugStored = true;
  }

  #slug(): string | undefined {
    return this.#metaText("project_slug");
  }
}

function capture<T>(fn: () => T): RpcResult<T> {
  try {
    return { ok: fn() };
  } catch (err) {
    if (err instanceof AppError) {
      return { error: { type: err.type, message: err.message, ...(err.details ? { details: err.details } : {}) } };
    }
    throw err;
  }
}
