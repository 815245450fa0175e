/** Message lists and bodies shared by the inbox/outbox, thread and search pages. */
import { raw } from "hono/html";
import { renderMarkdown } from "../markdown";
import { Table } from "./layout";

export interface MessageRow {
  id: number;
  subject: string;
  from?: string;
  to?: readonly string[];
  importance: string;
  created_ts: string;
  thread_id: string | null;
  read_ts?: string | null;
  ack_required?: boolean;
  ack_ts?: string | null;
  snippet?: string;
}

export function threadHref(projectSlug: string, message: { id: number; thread_id: string | null }): string {
  const thread = message.thread_id ?? String(message.id);
  return `/dashboard/projects/${encodeURIComponent(projectSlug)}/threads/${encodeURIComponent(thread)}`;
}

export function Importance(props: { level: string }) {
  return props.level === "normal" ? <span class="muted">normal</span> : <span class={`badge ${props.level}`}>{props.level}</span>;
}

export function When(props: { ts: string | null | undefined }) {
  return props.ts ? <time datetime={props.ts}>{props.ts.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time> : <span class="muted">—</span>;
}

export function MessageTable(props: { projectSlug: string; rows: readonly MessageRow[]; empty: string; showSnippet?: boolean }) {
  return (
    <Table
      rows={props.rows}
      empty={props.empty}
      columns={[
        [
          "Subject",
          (m) => (
            <span>
              <a href={threadHref(props.projectSlug, m)}>{m.subject || "(no subject)"}</a>
              {props.showSnippet && m.snippet ? <div class="muted">{m.snippet}</div> : null}
            </span>
          ),
        ],
        ["From", (m) => m.from ?? ""],
        ["To", (m) => (m.to ?? []).join(", ")],
        ["Importance", (m) => <Importance level={m.importance} />],
        ["Sent", (m) => <When ts={m.created_ts} />],
        [
          "State",
          (m) =>
            m.read_ts === undefined ? (
              ""
            ) : (
              <span>
                {m.read_ts ? "read" : <strong>unread</strong>}
                {m.ack_required ? (m.ack_ts ? " · acked" : " · ack required") : ""}
              </span>
            ),
        ],
      ]}
    />
  );
}

export interface MessageBody {
  id: number;
  subject: string;
  from: string;
  to: readonly string[];
  cc: readonly string[];
  importance: string;
  created_ts: string;
  body_md: string;
}

/** One message with its markdown rendered through the sanitiser (the only raw HTML on any page). */
export function MessageCard(props: { message: MessageBody }) {
  const m = props.message;
  return (
    <article class="message" id={`m${m.id}`}>
      <header>
        <strong>{m.subject || "(no subject)"}</strong> · from <strong>{m.from}</strong> to {m.to.join(", ")}
        {m.cc.length > 0 ? ` · cc ${m.cc.join(", ")}` : ""} · <When ts={m.created_ts} /> · <Importance level={m.importance} />
      </header>
      <div class="markdown">{raw(renderMarkdown(m.body_md))}</div>
    </article>
  );
}
