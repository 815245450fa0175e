/** A project's pages: agents with the overseer's send form, an agent's inbox/outbox, a thread, search. */
import type { DirectoryEntry, InboxItem, OutboxItem, SearchHit, ThreadMessage } from "../../mail";
import type { Session } from "../session";
import { CsrfField, Layout, Table } from "./layout";
import { MessageCard, MessageTable, When } from "./messages";

interface PageBase {
  csrfToken: string;
  session: Session | undefined;
}

export function projectHref(slug: string, rest = ""): string {
  return `/dashboard/projects/${encodeURIComponent(slug)}${rest}`;
}

export function ProjectNav(props: { slug: string }) {
  return (
    <p class="row">
      <a href={projectHref(props.slug)}>Agents</a>
      <a href={projectHref(props.slug, "/search")}>Search</a>
      <a href={projectHref(props.slug, "/claims")}>Claims</a>
      <a href={projectHref(props.slug, "/archive")}>Archive</a>
    </p>
  );
}

function agentHref(slug: string, name: string, box = "inbox"): string {
  return projectHref(slug, `/agents/${encodeURIComponent(name)}?box=${box}`);
}

export function ProjectPage(props: PageBase & { slug: string; humanKey: string; agents: DirectoryEntry[]; retired: DirectoryEntry[] }) {
  const canWrite = props.session?.role === "writer";
  return (
    <Layout title={`Project ${props.slug}`} csrfToken={props.csrfToken} session={props.session}>
      <p class="muted">
        <code>{props.humanKey}</code>
      </p>
      <ProjectNav slug={props.slug} />
      <h2>Agents</h2>
      <Table
        rows={[...props.agents, ...props.retired]}
        empty="No agents yet. Agents join with register_agent."
        columns={[
          ["Agent", (a) => <a href={agentHref(props.slug, a.name)}>{a.name}</a>],
          ["Program / model", (a) => `${a.program} / ${a.model}`],
          ["Status", (a) => (a.retired_at ? <span class="badge">retired</span> : <span class="badge active">active</span>)],
          ["Last active", (a) => <When ts={a.last_active_ts} />],
          ["Unread", (a) => (a.unread_count > 0 ? <strong>{String(a.unread_count)}</strong> : "0")],
          ["Outbox", (a) => <a href={agentHref(props.slug, a.name, "outbox")}>outbox</a>],
        ]}
      />
      {canWrite ? (
        <section class="card">
          <h2>Message as Overseer</h2>
          <p class="muted">Delivered whatever the agents' contact policies say, marked high importance.</p>
          <form method="post" action={projectHref(props.slug, "/send")} class="stack">
            <CsrfField token={props.csrfToken} />
            <fieldset>
              <legend>To</legend>
              {props.agents.map((a) => (
                <label>
                  <input type="checkbox" name="to" value={a.name} /> {a.name}
                </label>
              ))}
            </fieldset>
            <label for="subject">Subject</label>
            <input id="subject" name="subject" type="text" maxlength={200} required />
            <label for="body_md">Message (markdown)</label>
            <textarea id="body_md" name="body_md" required></textarea>
            <label for="thread_id">Thread id (optional)</label>
            <input id="thread_id" name="thread_id" type="text" maxlength={128} />
            <button type="submit">Send as Overseer</button>
          </form>
        </section>
      ) : null}
    </Layout>
  );
}

export function AgentMailPage(props: PageBase & { slug: string; agent: string; box: "inbox" | "outbox"; inbox?: InboxItem[]; outbox?: OutboxItem[] }) {
  const rows = props.box === "inbox" ? (props.inbox ?? []) : (props.outbox ?? []).map((m) => ({ ...m, from: props.agent }));
  return (
    <Layout title={`${props.agent} · ${props.box}`} csrfToken={props.csrfToken} session={props.session}>
      <ProjectNav slug={props.slug} />
      <p class="row">
        {props.box === "inbox" ? <strong>Inbox</strong> : <a href={agentHref(props.slug, props.agent, "inbox")}>Inbox</a>}
        {props.box === "outbox" ? <strong>Outbox</strong> : <a href={agentHref(props.slug, props.agent, "outbox")}>Outbox</a>}
      </p>
      <MessageTable projectSlug={props.slug} rows={rows} empty={props.box === "inbox" ? "Nothing received yet." : "Nothing sent yet."} />
    </Layout>
  );
}

export function ThreadPage(props: PageBase & { slug: string; threadId: string; messages: ThreadMessage[] }) {
  const subject = props.messages[0]?.subject ?? props.threadId;
  return (
    <Layout title={`Thread: ${subject}`} csrfToken={props.csrfToken} session={props.session}>
      <ProjectNav slug={props.slug} />
      <p class="muted">
        Thread <code>{props.threadId}</code> · {String(props.messages.length)} message(s)
      </p>
      {props.messages.map((m) => (
        <MessageCard message={m} />
      ))}
    </Layout>
  );
}

export function SearchPage(props: PageBase & { slug: string; query: string; hits: SearchHit[] }) {
  return (
    <Layout title="Search" csrfToken={props.csrfToken} session={props.session}>
      <ProjectNav slug={props.slug} />
      <form method="get" action={projectHref(props.slug, "/search")} class="row">
        <input type="search" name="q" value={props.query} placeholder='e.g. deploy, "exact phrase", migrat*' aria-label="Search query" />
        <button type="submit">Search</button>
      </form>
      {props.query === "" ? null : (
        <MessageTable projectSlug={props.slug} rows={props.hits} empty="No message matches." showSnippet />
      )}
    </Layout>
  );
}
