/** Every project with its key and creation time; each links to its agents. */
import type { Project } from "../../mail";
import type { Session } from "../session";
import { Layout, Table } from "./layout";

export function ProjectsPage(props: { projects: readonly Project[]; csrfToken: string; session: Session | undefined }) {
  return (
    <Layout title="Projects" csrfToken={props.csrfToken} session={props.session}>
      <Table
        rows={props.projects}
        empty="No projects yet. Agents create one with ensure_project."
        columns={[
          ["Project", (p) => <a href={`/dashboard/projects/${encodeURIComponent(p.slug)}`}>{p.slug}</a>],
          ["Working directory", (p) => <code>{p.human_key}</code>],
          ["Created", (p) => <time datetime={p.created_at}>{p.created_at}</time>],
        ]}
      />
    </Layout>
  );
}
