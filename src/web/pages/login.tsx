/** The login form: the deployment token (or a writer/reader JWT) starts a dashboard session. */
import { CsrfField, Layout } from "./layout";

export function LoginPage(props: { csrfToken: string; next: string; error?: string }) {
  return (
    <Layout title="Log in" csrfToken={props.csrfToken} session={undefined}>
      <form method="post" action="/dashboard/login" class="card narrow">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="next" value={props.next} />
        {props.error ? <p class="error">{props.error}</p> : null}
        <label for="token">Deployment token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <button type="submit">Log in</button>
      </form>
    </Layout>
  );
}
