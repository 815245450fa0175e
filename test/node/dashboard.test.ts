/** The dashboard in real headless Chromium against `wrangler dev`: login, pages, CSRF, stored XSS. */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, loginThroughForm, openPage, screenshot, type Chromium } from "../support/browser";
import { callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let chromium: Chromium;

beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
});

describe("login", () => {
  it("sends an anonymous visitor to the login page", async () => {
    await chromium.context.clearCookies();
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/projects`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/login");
    expect(await page.locator("h1").textContent()).toBe("Log in");
    await page.close();
  });

  it("logs in with the deployment token and shows the projects page", async () => {
    const client = await connectMcp(url, token);
    const key = `/srv/dashboard-${Date.now()}`;
    const project = await callOk<{ slug: string }>(client, "ensure_project", { human_key: key });
    await client.close();

    const { page } = await openPage(chromium);
    await loginThroughForm(page, url, token);
    expect(await page.locator("h1").textContent()).toBe("Projects");
    expect(await page.locator(`a[href="/dashboard/projects/${project.slug}"]`).count()).toBe(1);
    await screenshot(page, "projects");
    await page.close();
  });

  it("shows an error for a wrong token and stays logged out", async () => {
    await chromium.context.clearCookies();
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/login`);
    await page.fill("#token", "wrong-token");
    const [response] = await Promise.all([page.waitForResponse(/\/dashboard\/login$/), page.click("button[type=submit]")]);
    expect(response.status()).toBe(401);
    expect(await page.locator(".error").textContent()).toContain("not valid");
    await page.close();
  });
});

describe("CSRF", () => {
  it("answers a form submitted without its CSRF token with 403", async () => {
    const fresh = await launchChromium();
    try {
      const { page } = await openPage(fresh);
      await loginThroughForm(page, url, token);
      await page.locator("form.logout input[name=_csrf]").evaluate((input) => input.remove());
      const [response] = await Promise.all([page.waitForResponse(/\/dashboard\/logout$/), page.click("form.logout button")]);
      expect(response.status()).toBe(403);
      expect(await page.locator("h1").textContent()).toBe("Forbidden");
      // Still logged in: the forged logout did nothing.
      await page.goto(`${url}/dashboard/projects`);
      expect(await page.locator("h1").textContent()).toBe("Projects");
    } finally {
      await fresh.close();
    }
  });
});

describe("OAuth consent page", () => {
  async function registerClient(name: string, redirectUri: string): Promise<string> {
    const res = await fetch(`${url}/oauth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: name, redirect_uris: [redirectUri], token_endpoint_auth_method: "none" }),
    });
    return ((await res.json()) as { client_id: string }).client_id;
  }

  function authorizeUrl(clientId: string, redirectUri: string): string {
    const params = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: createHash("sha256").update(randomBytes(32)).digest("base64url"),
      code_challenge_method: "S256",
      state: "st",
      scope: "mcp:read mcp:write",
    });
    return `${url}/oauth/authorize?${params}`;
  }

  it("shows a hostile client name as text, even with the CSP switched off", async () => {
    const redirectUri = "http://127.0.0.1:9/cb";
    const name = `<img src=x onerror="window.__xss=1;alert(1)">Evil"><script>window.__xss=2</script>`;
    const clientId = await registerClient(name, redirectUri);
    const bare = await launchChromium({ bypassCSP: true });
    try {
      const { page, dialogs } = await openPage(bare);
      await page.goto(authorizeUrl(clientId, redirectUri));
      expect(await page.locator("main strong").first().textContent()).toBe(name);
      expect(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss)).toBeUndefined();
      expect(await page.locator("main img, main script").count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(await page.locator(".warning").textContent()).toContain("app on your computer");
      await screenshot(page, "oauth-consent");
    } finally {
      await bare.close();
    }
  });

  it("approves with the dashboard session of this browser, without typing the token", async () => {
    const redirectUri = "http://127.0.0.1:9/session-cb";
    const clientId = await registerClient("Session connector", redirectUri);
    const fresh = await launchChromium();
    try {
      const { page } = await openPage(fresh);
      await loginThroughForm(page, url, token);
      await page.goto(authorizeUrl(clientId, redirectUri));
      const callback = page.waitForRequest((request) => request.url().startsWith(redirectUri));
      await page.click("button[value=approve]");
      const redirected = new URL((await callback).url());
      expect(redirected.searchParams.get("code")).toBeTruthy();
      expect(redirected.searchParams.get("state")).toBe("st");
    } finally {
      await fresh.close();
    }
  });
});
