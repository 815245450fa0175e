/** The page shell every dashboard page renders into: head, navigation, logout, and the CSRF field helper. */
import type { Child } from "hono/jsx";
import type { Session } from "../session";
import { CSRF_FIELD } from "../csrf";

export const STYLESHEET_PATH = "/dashboard/static/app.css";

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

const NAV: ReadonlyArray<readonly [href: string, label: string]> = [
  ["/dashboard/projects", "Projects"],
  ["/dashboard/campaigns", "Campaigns"],
  ["/dashboard/mailboxes", "Mailboxes"],
  ["/dashboard/suppressions", "Suppressions"],
];

export function Layout(props: {
  title: string;
  csrfToken: string;
  session: Session | undefined;
  children?: Child;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · Pigeonhole`}</title>
        <link rel="stylesheet" href={STYLESHEET_PATH} />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/dashboard">
            Pigeonhole
          </a>
          {props.session ? (
            <nav>
              {NAV.map(([href, label]) => (
                <a href={href}>{label}</a>
              ))}
            </nav>
          ) : null}
          {props.session ? (
            <form method="post" action="/dashboard/logout" class="logout">
              <CsrfField token={props.csrfToken} />
              <span class="role">{props.session.role === "writer" ? "Overseer" : "Overseer (read-only)"}</span>
              <button type="submit">Log out</button>
            </form>
          ) : null}
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A table from rows; empty lists say so instead of showing a bare header. */
export function Table<Row>(props: { rows: readonly Row[]; empty: string; columns: ReadonlyArray<[string, (row: Row) => Child]> }) {
  if (props.rows.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    <table>
      <thead>
        <tr>
          {props.columns.map(([label]) => (
            <th>{label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr>
            {props.columns.map(([, cell]) => (
              <td>{cell(row)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ErrorPage(props: { title: string; message: string; csrfToken: string; session: Session | undefined }) {
  return (
    <Layout title={props.title} csrfToken={props.csrfToken} session={props.session}>
      <p class="error">{props.message}</p>
      <p>
        <a href="/dashboard">Back to the dashboard</a>
      </p>
    </Layout>
  );
}
