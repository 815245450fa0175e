/**
 * GET/POST /oauth/authorize: the interactive step of the OAuth code flow. The library validates the
 * request (client, exact redirect URI, PKCE, resource) and keeps it server-side behind a single-use handle
 * bound to this browser; we only decide who may approve and with which scopes.
 */
import { AuthorizationError, CimdFetchError } from "@cloudflare/workers-oauth-provider";
import { Hono, type Context } from "hono";
import { canonicalRequest, oauthApi, OAUTH_SCOPES, type GrantProps, type Role } from "../../auth";
import { AppError } from "../../shared/errors";
import { verifyTypedCredential } from "../credentials";
import { csrfProtection } from "../csrf";
import type { WebEnv } from "../env";
import { renderError } from "../error-page";
import { AuthorizePage } from "../pages/authorize";
import { contentSecurityPolicy, pageSecurityHeaders } from "../security-headers";

/** Every grant belongs to the deployment's one human principal; grants are told apart by client. */
const OVERSEER_USER_ID = "overseer";

export const authorizeRoutes = new Hono<WebEnv>();

authorizeRoutes.use("*", pageSecurityHeaders(), csrfProtection());
authorizeRoutes.onError(renderError);

authorizeRoutes.get("/", async (c) => {
  const api = oauthApi(c.env);
  try {
    const authRequest = await api.parseAuthRequest(canonicalRequest(c.req.raw, c.env, { withBody: false }));
    const details = await api.describeConsent(authRequest);
    const consent = await api.beginConsent(authRequest);
    const page = await c.html(<AuthorizePage details={details} handle={consent.handle} csrfToken={c.get("csrfToken")} />);
    consent.headers.forEach((value, name) => page.headers.append(name, value));
    // The approval's redirect to the client is a form-action target too (Chromium checks redirects).
    page.headers.set("Content-Security-Policy", contentSecurityPolicy(formTargets(authRequest.redirectUri)));
    return page;
  } catch (err) {
    return authorizationFailure(c, err);
  }
});

authorizeRoutes.post("/", async (c) => {
  const api = oauthApi(c.env);
  const form = await c.req.formData();
  const handle = String(form.get("handle") ?? "");
  try {
    if (form.get("decision") !== "approve") {
      const denied = await api.denyConsent(c.req.raw, handle);
      return new Response(null, { status: 302, headers: denied.headers });
    }
    const { role, approvedVia } = await approver(c, String(form.get("token") ?? "").trim());
    const approved = await api.approveConsent(c.req.raw, handle, { scope: grantableScopes(form.getAll("scope").map(String), role) });
    const props: GrantProps = { approvedVia };
    const { redirectTo } = await api.completeAuthorization({
      request: approved.request,
      userId: OVERSEER_USER_ID,
      metadata: { approvedVia },
      scope: approved.request.scope,
      props,
    });
    approved.headers.set("Location", redirectTo);
    return new Response(null, { status: 302, headers: approved.headers });
  } catch (err) {
    return authorizationFailure(c, err);
  }
});

/** The typed deployment token wins; otherwise a dashboard session in this browser approves. */
async function approver(c: Context<WebEnv>, token: string): Promise<{ role: Role; approvedVia: GrantProps["approvedVia"] }> {
  if (token !== "") {
    const principal = await verifyTypedCredential(c, token).catch((err: unknown) => {
      throw err instanceof AppError && err.type === "AUTHENTICATION_REQUIRED"
        ? new AppError("AUTHENTICATION_REQUIRED", "That token is not valid here. Go back, enter the deployment token and approve again.")
        : err;
    });
    return { role: principal.role, approvedVia: "deployment-token" };
  }
  const session = c.get("session");
  if (session) return { role: session.role, approvedVia: "dashboard-session" };
  throw new AppError(
    "AUTHENTICATION_REQUIRED",
    "Enter the deployment token (or log in to the dashboard in this browser first), then approve again.",
  );
}

/** What was ticked, limited to what the approver holds: a reader cannot hand out write access. */
function grantableScopes(ticked: string[], role: Role): string[] {
  const allowed = role === "writer" ? [OAUTH_SCOPES.read, OAUTH_SCOPES.write] : [OAUTH_SCOPES.read];
  const scopes = ticked.filter((scope): scope is (typeof allowed)[number] => (allowed as string[]).includes(scope));
  return scopes.length > 0 ? scopes : [OAUTH_SCOPES.read];
}

function formTargets(redirectUri: string): string[] {
  try {
    const url = new URL(redirectUri);
    return url.protocol === "https:" || url.protocol === "http:" ? [url.origin] : [];
  } catch {
    return [];
  }
}

/** Redirect to the client only when the library says it is safe; otherwise explain here. */
function authorizationFailure(c: Context<WebEnv>, err: unknown): Response {
  if (err instanceof AuthorizationError && err.redirectTo) return c.redirect(err.redirectTo, 302);
  if (err instanceof AuthorizationError) throw new AppError("INVALID_ARGUMENT", `${err.description ?? err.message} Start connecting again from your app.`);
  if (err instanceof CimdFetchError) throw new AppError("INVALID_ARGUMENT", "This app could not be verified; its metadata document did not load.");
  throw err;
}
