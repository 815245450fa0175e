/**
 * ProjectCoordinator: one SQLite-backed Durable Object per project (named by the project's slug). It is the single
 * writer for the project's claims (atomic check-and-grant) and the archive's git lock. The class is a thin RPC
 * surface over CoordinatorImpl; its storage schema is versioned and migrated when the object wakes.
 */
import { DurableObject } from "cloudflare:workers";
import type { ArchiveAgentProfile, ArchiveMessage } from "./archive/documents";
import type { ArchiveProject } from "./archive-d1";
import { CoordinatorImpl, type ClaimInput, type SelectorInput } from "./coordinator-impl";
import type { AgentRef } from "./types";

export class ProjectCoordinator extends DurableObject<Env> {
  readonly #impl: CoordinatorImpl;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#impl = new CoordinatorImpl(ctx, env);
    ctx.blockConcurrencyWhile(async () => this.#impl.ensureSchema());
  }

  /** The storage schema version this object runs on (useful to operators and tests). */
  schemaVersion() {
    return this.#impl.schemaVersion();
  }

  claim(input: ClaimInput) {
    return this.#impl.claim(input);
  }

  release(input: SelectorInput) {
    return this.#impl.release(input);
  }

  renew(input: SelectorInput & { extend_seconds: number }) {
    return this.#impl.renew(input);
  }

  getClaim(claimId: number) {
    return this.#impl.getClaim(claimId);
  }

  forceRelease(input: { slug: string; agent: AgentRef; claim_id: number; holder_last_active_ts?: string }) {
    return this.#impl.forceRelease(input);
  }

  check(input: { agent: AgentRef; paths: string[] }) {
    return this.#impl.check(input);
  }

  list(activeOnly: boolean) {
    return this.#impl.list(activeOnly);
  }

  claimsOverlap(agentA: number, agentB: number) {
    return this.#impl.claimsOverlap(agentA, agentB);
  }

  overlappingHolders(agent: number, candidates: number[]) {
    return this.#impl.overlappingHolders(agent, candidates);
  }

  archiveMessage(message: ArchiveMessage) {
    return this.#impl.archiveMessage(message);
  }

  followMail(project: ArchiveProject) {
    return this.#impl.followMail(project);
  }

  archiveProfile(slug: string, profile: ArchiveAgentProfile) {
    return this.#impl.archiveProfile(slug, profile);
  }

  queueMessages(messages: ArchiveMessage[]) {
    return this.#impl.queueMessages(messages);
  }

  archivedMessageIds(ids: number[]) {
    return this.#impl.archivedMessageIds(ids);
  }

  archiveHead() {
    return this.#impl.archiveHead();
  }

  archiveLog(limit: number) {
    return this.#impl.archiveLog(limit);
  }

  flushArchive(slug: string) {
    return this.#impl.flushArchive(slug);
  }

  override alarm() {
    return this.#impl.alarm();
  }
}
