/** The dashboard in real headless Chromium against `wrangler dev`: login, pages, CSRF, stored XSS. */
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
