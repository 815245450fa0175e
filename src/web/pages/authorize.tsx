/**
 * The OAuth consent page for remote MCP connectors. Everything about the client is self-asserted (dynamic
 * registration), so it is shown as such and escaped by JSX; the redirect host is always shown, with a
 * warning when it is a local app. The human proves they may grant access with the deployment token, or
 * by already being logged in to the dashboard in this browser.
 */
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { OAUTH_SCOPES } from "../../auth";
import { CsrfField, Layout } from "./layout";

const SCOPE_LABELS: Readonly<Record<string, string>> = {
  [OAUTH_SCOPES.read]: "Read: list projects, agents, messages, claims and campaigns",
  [OAUTH_SCOPES.write]: "Write: send messages, register agents, claim files, run campaigns",
};

export function AuthorizePage(props: { details: ConsentDescription; handle: string; csrfToken: string; error?: string }) {
  const { details } = props;
  const requested = new Set(details.scope);
  return (
    <Layout title={`Authorize ${details.clientName}`} csrfToken={props.csrfToken} session={undefined}>
      <div class="card narrow">
        <p>
          <strong>{details.clientName}</strong> wants to use this Pigeonhole server's MCP tools.{" "}
          {details.clientDomain ? (
            <span>
              Published by <strong>{details.clientDomain}</strong>.
            </span>
          ) : (
            <span class="muted">This app registered itself; its name is not verified.</span>
          )}
        </p>
        <p>
          Access will be sent to <strong>{details.redirectHost}</strong>.
        </p>
        {details.redirectIsLoopback ? (
          <p class="warning">
            This sends access to an app on your computer. Continue only if you just started connecting from it.
          </p>
        ) : null}
        {props.error ? <p class="error">{props.error}</p> : null}
        <form method="post" action="/oauth/authorize">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="handle" value={props.handle} />
          <fieldset>
            <legend>Permissions</legend>
            {[OAUTH_SCOPES.read, OAUTH_SCOPES.write].map((scope) => (
              <label class="row">
                <input type="checkbox" name="scope" value={scope} checked={scope === OAUTH_SCOPES.read || requested.has(scope)} />
                {SCOPE_LABELS[scope]}
              </label>
            ))}
          </fieldset>
          <label for="token">Deployment token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" />
          <p class="muted">Not needed if you are logged in to the dashboard in this browser.</p>
          <div class="row">
            <button type="submit" name="decision" value="approve">
              Approve
            </button>
            <button type="submit" name="decision" value="deny" class="secondary">
              Deny
            </button>
          </div>
        </form>
      </div>
    </Layout>
  );
}
