/**
 * An MCP SDK `OAuthClientProvider` for tests: it keeps registration, tokens and the PKCE verifier in memory
 * and plays the human's browser when asked to redirect: it opens the authorize page, keeps its cookies,
 * fills the approve form (hidden fields as served, plus the deployment token and chosen scopes) and reads
 * the authorization code off the redirect back to the client.
 */
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";

export interface Approval {
  decision: "approve" | "deny";
  /** the deployment token typed into the page; empty relies on a dashboard session cookie */
  token: string;
  scopes: string[];
  /** extra cookies the browser already holds (a dashboard session) */
  cookies?: Record<string, string>;
}

/** Cookies from Set-Cookie lines, as `name=value` pairs, later lines winning. */
export function cookieJar(setCookies: string[], jar: Record<string, string> = {}): Record<string, string> {
  for (const line of setCookies) {
    const pair = line.split(";")[0]!;
    const eq = pair.indexOf("=");
    jar[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return jar;
}

export function cookieHeader(jar: Record<string, string>): string {
  return Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");
}

/** Hidden inputs of the first form on a page. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[match[1]!] = match[2]!;
  return fields;
}

/** Submits the consent page at `authorizeUrl` as a person would; returns the final response (a redirect). */
export async function approveInBrowser(authorizeUrl: URL, approval: Approval): Promise<Response> {
  const page = await fetch(authorizeUrl, { redirect: "manual", headers: { Cookie: cookieHeader(approval.cookies ?? {}) } });
  if (page.status !== 200) return page;
  const jar = cookieJar(page.headers.getSetCookie(), { ...approval.cookies });
  const body = new URLSearchParams({ ...hiddenFields(await page.text()), decision: approval.decision, token: approval.token });
  for (const scope of approval.scopes) body.append("scope", scope);
  return fetch(new URL("/oauth/authorize", authorizeUrl), {
    method: "POST",
    redirect: "manual",
    headers: { Cookie: cookieHeader(jar), "Content-Type": "application/x-www-form-urlencoded" },
    body,
  });
}

export class TestOAuthClient implements OAuthClientProvider {
  readonly redirectUrl = "http://127.0.0.1:9/oauth/callback";
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = "";
  /** the code from the last approval's redirect, for `transport.finishAuth` */
  authorizationCode: string | undefined;
  /** where the server sent the browser back to, last time */
  lastRedirect: URL | undefined;
  authorizationUrl: URL | undefined;

  constructor(private readonly approval: Approval) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Pigeonhole test connector",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizationUrl = url;
    const response = await approveInBrowser(url, this.approval);
    const location = response.headers.get("location");
    this.lastRedirect = location ? new URL(location) : undefined;
    this.authorizationCode = this.lastRedirect?.searchParams.get("code") ?? undefined;
  }
}
