/**
 * MailEvents: one Durable Object per project holding the open Server-Sent Events streams of its agents.
 * send_message pokes it (RPC `notify`) after the D1 write; it writes one event per open stream of each
 * recipient. It stores no mail: a missed event loses a nudge, never a message (clients re-read with
 * fetch_inbox since_ts after reconnecting). Streams keep the object awake; it has no SQLite state of its
 * own, but mirrors "agent X is listening" into D1 (mail_listeners) so senders poke it only when useful.
 */
import { DurableObject } from "cloudflare:workers";

/** Comment lines at this interval keep proxies from closing an idle stream and reveal dead clients. */
const HEARTBEAT_MS = 15_000;

export interface NewMailEvent {
  projectId: number;
  agentIds: readonly number[];
  messageId: number;
  createdTs: string;
}

interface Subscriber {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  /** The inbox resource this stream is about, quoted in each notification. */
  uri: string;
}

const encoder = new TextEncoder();

export class MailEvents extends DurableObject<Env> {
  #subscribers = new Map<number, Set<Subscriber>>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  /** GET with ?agent_id=&uri=: opens a text/event-stream for that agent. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const agentId = Number(url.searchParams.get("agent_id"));
    const uri = url.searchParams.get("uri") ?? "";
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const subscriber: Subscriber = { writer: writable.getWriter(), uri };
    const set = this.#subscribers.get(agentId) ?? new Set<Subscriber>();
    set.add(subscriber);
    this.#subscribers.set(agentId, set);
    // Before "ready": a send that starts after the client saw "ready" must find the listener row.
    await this.env.DB.prepare("INSERT INTO mail_listeners (agent_id, since_ts) VALUES (?, ?) ON CONFLICT DO NOTHING")
      .bind(agentId, new Date().toISOString())
      .run();
    this.#ensureHeartbeat();
    this.#write(agentId, subscriber, `retry: 3000\nevent: ready\ndata: ${JSON.stringify({ uri })}\n\n`);
    return new Response(readable, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  /** Tells every open stream of each recipient about a new message; returns how many streams were told. */
  async notify(event: NewMailEvent): Promise<number> {
    let told = 0;
    const gone = event.agentIds.filter((id) => !this.#subscribers.has(id));
    // Rows left by streams this object no longer holds (a restart): clear them so senders stop poking.
    if (gone.length > 0) await this.#forget(gone);
    for (const agentId of new Set(event.agentIds)) {
      for (const subscriber of this.#subscribers.get(agentId) ?? []) {
        const notification = {
          jsonrpc: "2.0",
          method: "notifications/resources/updated",
          params: { uri: subscriber.uri, message_id: event.messageId, created_ts: event.createdTs },
        };
        this.#write(agentId, subscriber, `id: ${event.messageId}\nevent: message\ndata: ${JSON.stringify(notification)}\n\n`);
        told += 1;
      }
    }
    return told;
  }

  /** Open streams per agent id (operators and tests). */
  async streamCount(): Promise<number> {
    let n = 0;
    for (const set of this.#subscribers.values()) n += set.size;
    return n;
  }

  #write(agentId: number, subscriber: Subscriber, text: string): void {
    // Not awaited: a slow reader must not hold up the sender; a failed write means the client is gone.
    subscriber.writer.write(encoder.encode(text)).catch(() => this.#drop(agentId, subscriber));
  }

  #drop(agentId: number, subscriber: Subscriber): void {
    const set = this.#subscribers.get(agentId);
    set?.delete(subscriber);
    if (set?.size === 0) {
      this.#subscribers.delete(agentId);
      this.ctx.waitUntil(this.#forget([agentId]).catch(() => undefined));
    }
    subscriber.writer.close().catch(() => undefined);
    if (this.#subscribers.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  async #forget(agentIds: readonly number[]): Promise<void> {
    // Re-check at the last moment: the agent may have opened a new stream since.
    const idle = agentIds.filter((id) => !this.#subscribers.has(id));
    if (idle.length === 0) return;
    await this.env.DB.prepare("DELETE FROM mail_listeners WHERE agent_id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(idle))
      .run();
  }

  #ensureHeartbeat(): void {
    if (this.#heartbeat !== undefined) return;
    this.#heartbeat = setInterval(() => {
      for (const [agentId, set] of this.#subscribers) for (const s of set) this.#write(agentId, s, `: keep-alive\n\n`);
    }, HEARTBEAT_MS);
  }
}
