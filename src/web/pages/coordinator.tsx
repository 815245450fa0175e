/** A project's active claims (who holds which paths until when) and its archive's recent commits. */
import type { ArchiveCommit, ClaimRecord } from "../../coordinator";
import type { Session } from "../session";
import { Layout, Table } from "./layout";
import { When } from "./messages";
import { ProjectNav } from "./project";

interface PageBase {
  csrfToken: string;
  session: Session | undefined;
}

export function ClaimsPage(props: PageBase & { slug: string; claims: ClaimRecord[] }) {
  return (
    <Layout title={`Claims · ${props.slug}`} csrfToken={props.csrfToken} session={props.session}>
      <ProjectNav slug={props.slug} />
      <Table
        rows={props.claims}
        empty="No active claims."
        columns={[
          ["Holder", (claim) => claim.agent],
          ["Paths", (claim) => <code>{claim.path_pattern}</code>],
          ["Kind", (claim) => (claim.exclusive ? <span class="badge paused">exclusive</span> : <span class="badge">shared</span>)],
          ["Reason", (claim) => claim.reason ?? ""],
          ["Since", (claim) => <When ts={claim.created_ts} />],
          ["Expires", (claim) => <When ts={claim.expires_ts} />],
        ]}
      />
    </Layout>
  );
}

export function ArchivePage(props: PageBase & { slug: string; head: string | null; commits: ArchiveCommit[]; cloneUrl: string }) {
  return (
    <Layout title={`Archive · ${props.slug}`} csrfToken={props.csrfToken} session={props.session}>
      <ProjectNav slug={props.slug} />
      <p class="muted">
        Clone: <code>{`git clone ${props.cloneUrl}`}</code> (the deployment token as bearer or Basic password)
      </p>
      <Table
        rows={props.commits}
        empty="Nothing archived yet."
        columns={[
          ["Commit", (commit) => <code>{commit.oid.slice(0, 10)}</code>],
          ["Message", (commit) => <CommitMessage message={commit.message} />],
          ["Author", (commit) => commit.author],
          ["When", (commit) => <When ts={commit.committed_ts} />],
        ]}
      />
    </Layout>
  );
}

/** The subject line; the body (a group commit's one line per write) folded underneath. */
function CommitMessage(props: { message: string }) {
  const [subject, ...body] = props.message.split("\n");
  const lines = body.filter((line) => line.trim() !== "");
  return (
    <>
      {subject}
      {lines.length > 0 && (
        <details>
          <summary class="muted">{lines.length === 1 ? "1 line" : `${lines.length} lines`}</summary>
          {lines.map((line) => (
            <div>{line}</div>
          ))}
        </details>
      )}
    </>
  );
}
