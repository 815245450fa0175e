/**
 * The dashboard's campaign pages in real headless Chromium against `wrangler dev`: the list, one campaign
 * with counters, send-rate chart and link table, pausing and resuming from the page, recipients,
 * mailboxes and suppressions; hostile names stay inert.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { inertness, launchChromium, loginThroughForm, openPage, screenshot, type Chromium } from "../support/browser";
import { callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
const { smtp, imap } = inject("mailServers");
let client: Client;
let chromium: Chromium;
let campaignId: number;
const domain = `dash-${crypto.randomUUID().slice(0, 8)}.example`;
const HOSTILE = `<img src=x onerror="window.__xss='campaign'">`;

interface Status {
  state: string;
  sent: number;
  clicked: number;
}

let mailboxId: number;

const status = (id: number) => callOk<Status>(client, "campaigns", { action: "status", payload: { campaign_id: id } });

beforeAll(async () => {
  client = await connectMcp(url, token);
  // One message a minute: the campaign stays `sending` for the whole test, so it can be paused.
  const mailbox = await callOk<{ id: number }>(client, "mailboxes", {
    action: "create",
    payload: {
      name: `Slow ${HOSTILE}`,
      from_name: "Dashboard test",
      from_email: "news@dash.example",
      smtp_host: smtp.host,
      smtp_port: smtp.port,
      smtp_security: "none",
      smtp_username: smtp.user,
      smtp_password: smtp.password,
      imap_host: imap.host,
      imap_port: imap.port,
      imap_security: "none",
      imap_username: imap.user,
      imap_password: imap.password,
      rate_per_minute: 1,
    },
  });
  const campaign = await callOk<{ id: number }>(client, "campaigns", {
    action: "create",
    payload: {
      name: `Launch ${HOSTILE}`,
      subject: "Hello {{recipient.name}}",
      mailbox_id: mailbox.id,
      template_markdown: "Hi! Read [the docs](https://example.org/docs) or [the blog](https://example.org/blog).",
    },
  });
  campaignId = campaign.id;
  mailboxId = mailbox.id;
  await callOk(client, "campaigns", {
    action: "post_recipients",
    payload: { campaign_id: campaignId, recipients: [{ email: `eve@${domain}`, name: `Eve ${HOSTILE}` }, ...Array.from({ length: 5 }, (_, i) => `r${i}@${domain}`)] },
  });
  await callOk(client, "campaigns", { action: "send", payload: { campaign_id: campaignId } });
  await vi.waitFor(async () => expect((await status(campaignId)).sent).toBeGreaterThanOrEqual(1), { timeout: 30_000, interval: 250 });
  await callOk(client, "suppressions", { action: "add", payload: { emails: [`blocked@${domain}`] } });
  chromium = await launchChromium();
  const { page } = await openPage(chromium);
  await loginThroughForm(page, url, token);
  await page.close();
});
afterAll(async () => {
  await chromium?.close();
  await client?.close();
});

describe("campaign pages", () => {
  it("shows the campaign with its counters, a send-rate chart and its tracked links", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/campaigns`);
    await page.click(`a[href="/dashboard/campaigns/${campaignId}"]`);
    expect(await page.locator("main .badge").first().textContent()).toBe("sending");
    expect(Number(await page.locator('[data-counter="total"] strong').textContent())).toBe(6);
    expect(Number(await page.locator('[data-counter="sent"] strong').textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.locator("svg.chart rect.bar").count()).toBeGreaterThanOrEqual(1);
    const links = await page.locator("main table code").allTextContents();
    expect(links).toEqual(["https://example.org/docs", "https://example.org/blog"]);
    await screenshot(page, "campaign");
    await page.close();
  });

  it("counts a person's click on a tracked link in the link table (bots apart)", async () => {
    const { messages } = (await (await fetch(`${smtp.controlUrl}/messages`)).json()) as { messages: Array<{ rcptTo: string[]; raw: string }> };
    const mail = messages.find((m) => m.rcptTo.some((r) => r.endsWith(`@${domain}`)))!;
    // Undo quoted-printable soft breaks and `=3D` so the tracked URL reads whole.
    const raw = mail.raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    const tracked = /https?:\/\/[^\s"<>]+\/t\/c\/[A-Za-z0-9_-]+/.exec(raw)![0];
    const person = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    const res = await fetch(tracked, { redirect: "manual", headers: { "User-Agent": person } });
    expect(res.status).toBe(302);
    await vi.waitFor(async () => expect((await status(campaignId)).clicked).toBe(1), { timeout: 30_000, interval: 250 });
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/campaigns/${campaignId}`);
    const clicks = (await page.locator("main table tbody tr td:nth-child(3)").allTextContents()).map(Number);
    const bots = (await page.locator("main table tbody tr td:nth-child(5)").allTextContents()).map(Number);
    expect(clicks.reduce((a, b) => a + b, 0)).toBe(1);
    expect(bots.reduce((a, b) => a + b, 0)).toBe(0);
    expect(Number(await page.locator('[data-counter="clicked"] strong').textContent())).toBe(1);
    await page.close();
  });

  it("pauses the campaign from the page, then resumes it", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/campaigns/${campaignId}`);
    await Promise.all([page.waitForURL(`${url}/dashboard/campaigns/${campaignId}`), page.click("text=Pause campaign")]);
    expect(await page.locator("main .badge").first().textContent()).toBe("paused");
    expect((await status(campaignId)).state).toBe("paused");
    await page.click("text=Resume campaign");
    await page.waitForSelector("text=Pause campaign");
    expect((await status(campaignId)).state).toBe("sending");
    await page.close();
  });

  it("lists recipients with their state, mailboxes and suppressions", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/campaigns/${campaignId}/recipients`);
    expect(await page.locator("main tbody tr").count()).toBe(6);
    await Promise.all([page.waitForURL(/status=sent$/), page.click('main a[href$="status=sent"]')]);
    expect(await page.locator("main tbody tr").count()).toBeGreaterThanOrEqual(1);
    await page.goto(`${url}/dashboard/mailboxes`);
    const row = page.locator("main tbody tr", { hasText: `Slow` }).filter({ hasText: "news@dash.example" });
    expect(await row.first().textContent()).toContain("never");
    await callOk(client, "mailboxes", { action: "sync", payload: { id: mailboxId } });
    await page.reload();
    expect(await row.first().textContent()).toMatch(/ok\s/);
    await page.goto(`${url}/dashboard/suppressions`);
    expect(await page.locator("main table").textContent()).toContain(`blocked@${domain}`);
    await page.close();
  });

  it("keeps hostile campaign, mailbox and recipient names inert", async () => {
    for (const path of [
      "/dashboard/campaigns",
      `/dashboard/campaigns/${campaignId}`,
      `/dashboard/campaigns/${campaignId}/recipients`,
      "/dashboard/mailboxes",
    ]) {
      const { page, dialogs } = await openPage(chromium);
      await page.goto(`${url}${path}`);
      expect(await inertness(page), path).toEqual({ xssFlag: undefined, activeElements: 0, eventHandlers: 0, scriptUrls: 0 });
      expect(dialogs).toEqual([]);
      await page.close();
    }
  });
});
