/** The dashboard's HTTP edge inside workerd: login, session, CSRF, security headers. */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ensureProject } from "../../src/mail";
import { createDb } from "../../src/db";
import { env } from "cloudflare:test";

const BASE = "http://127.0.0.1";

/** A browser stand-in: keeps cookies between requests and never follows redirects. */
class Browser {
  readonly cookies = new Map<string, string>();

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await SELF.fetch(`${BASE}${path}`, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async csrfFrom(path: string): Promise<string> {
    const html = await (await this.fetch(path)).text();
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error(`no CSRF field on ${path}`);
    return match[1]!;
  }

  post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(path, { method: "POST", body: new URLSearchParams(fields) });
  }

  async login(token = "test-token"): Promise<Response> {
    const csrf = await this.csrfFrom("/dashboard/login");
    return this.post("/dashboard/login", { _csrf: csrf, token, next: "/dashboard/projects" });
  }
}

describe("login", () => {
  it("redirects an anonymous visitor to the login page, keeping where they were going", async () => {
    const res = await new Browser().fetch("/dashboard/projects");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/login?next=%2Fdashboard%2Fprojects");
  });

  it("logs in with the deployment token and sets an HttpOnly SameSite=Strict session cookie", async () => {
    const browser = new Browser();
    const res = await browser.login();
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard/projects");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("ph_session="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect((await browser.fetch("/dashboard/projects")).status).toBe(200);
  });

  it("rejects a wrong token with 401 and no session", async () => {
    const browser = new Browser();
    const res = await browser.login("not-the-token");
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("not valid");
    expect(browser.cookies.has("ph_session")).toBe(false);
  });

  it("limits wrong tokens per address: after 10, even the right one gets 429 with Retry-After", async () => {
    const browser = new Browser();
    const from = { "CF-Connecting-IP": "203.0.113.7" };
    const csrf = await browser.csrfFrom("/dashboard/login");
    const attempt = (token: string) =>
      browser.fetch("/dashboard/login", { method: "POST", headers: from, body: new URLSearchParams({ _csrf: csrf, token }) });
    for (let i = 0; i < 10; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    const blocked = await attempt("test-token");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(browser.cookies.has("ph_session")).toBe(false);
  });

  it("refuses a forged session cookie", async () => {
    const browser = new Browser();
    const forged = btoa(JSON.stringify({ sid: "x", role: "writer", exp: 9999999999 }));
    browser.cookies.set("ph_session", `${forged}.AAAA`);
    expect((await browser.fetch("/dashboard/projects")).status).toBe(303);
  });

  it("never redirects outside the dashboard after login", async () => {
    const browser = new Browser();
    const csrf = await browser.csrfFrom("/dashboard/login");
    const res = await browser.post("/dashboard/login", { _csrf: csrf, token: "test-token", next: "//evil.example/x" });
    expect(res.headers.get("location")).toBe("/dashboard");
  });

  it("logs out: the session cookie is cleared and pages need login again", async () => {
    const browser = new Browser();
    await browser.login();
    const csrf = await browser.csrfFrom("/dashboard/projects");
    const res = await browser.post("/dashboard/logout", { _csrf: csrf });
    expect(res.status).toBe(303);
    expect(browser.cookies.has("ph_session")).toBe(false);
    expect((await browser.fetch("/dashboard/projects")).status).toBe(303);
  });
});

describe("CSRF", () => {
  it("rejects a form without a token with 403", async () => {
    const browser = new Browser();
    await browser.fetch("/dashboard/login");
    const res = await browser.post("/dashboard/login", { token: "test-token" });
    expect(res.status).toBe(403);
    expect(browser.cookies.has("ph_session")).toBe(false);
  });

  it("rejects a form with a wrong token with 403", async () => {
    const browser = new Browser();
    await browser.fetch("/dashboard/login");
    expect((await browser.post("/dashboard/login", { _csrf: "AAAA", token: "test-token" })).status).toBe(403);
  });

  it("rejects a token minted for another browser with 403", async () => {
    const other = new Browser();
    const stolen = await other.csrfFrom("/dashboard/login");
    const browser = new Browser();
    await browser.fetch("/dashboard/login");
    expect((await browser.post("/dashboard/login", { _csrf: stolen, token: "test-token" })).status).toBe(403);
  });

  it("stops accepting a pre-login token once logged in (bound to the session)", async () => {
    const browser = new Browser();
    const before = await browser.csrfFrom("/dashboard/login");
    await browser.post("/dashboard/login", { _csrf: before, token: "test-token" });
    expect((await browser.post("/dashboard/logout", { _csrf: before })).status).toBe(403);
  });
});

describe("security headers", () => {
  it("sends a script-free CSP, frame-ancestors 'none', nosniff and a referrer policy on pages", async () => {
    const res = await new Browser().fetch("/dashboard/login");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });

  it("sends them on error pages too", async () => {
    const res = await new Browser().post("/dashboard/logout", {});
    expect(res.status).toBe(403);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});

describe("projects page", () => {
  it("lists projects with their keys, escaped", async () => {
    await ensureProject(createDb(env.DB), "/srv/<b>dash</b>");
    const browser = new Browser();
    await browser.login();
    const html = await (await browser.fetch("/dashboard/projects")).text();
    expect(html).toContain("srv-b-dash-b");
    expect(html).toContain("/srv/&lt;b&gt;dash&lt;/b&gt;");
  });
});
