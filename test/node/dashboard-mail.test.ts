/**
 * The dashboard's agent-mail pages in real headless Chromium: agents, inbox/outbox, threads with rendered
 * markdown, search, sending as Overseer, and stored-XSS payloads in subjects, bodies and agent fields that
 * must stay inert (checked in the browser's DOM and by a `window.__xss` flag, with the CSP on and off).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { inertness, launchChromium, loginThroughForm, openPage, screenshot, type Chromium } from "../support/browser";
import { freshProject, openAgents, registerAgent, send, type TestAgent } from "../support/mail";
import { callOk, connectMcp } from "../support/mcp";

const { url, token } = inject("worker");
let admin: Client;
let project: string;
let alice: TestAgent;
let bob: TestAgent;
let hostile: TestAgent;
let xssThread: string;
let chromium: Chromium;
let bareChromium: Chromium;

const HOSTILE_SUBJECT = `<img src=x onerror="window.__xss='subject';alert('subject')"> quarterly <b>report</b>`;
const HOSTILE_BODY = [
  "# Plan",
  "",
  "Normal **bold** text and a [safe link](https://example.com/docs).",
  "",
  `<script>window.__xss='script';alert('script')</script>`,
  `<img src=x onerror="window.__xss='img';alert('img')">`,
  `<div onmouseover="window.__xss='div'">hover me</div>`,
  `<iframe srcdoc="<script>parent.__xss='iframe'</script>"></iframe>`,
  `[click me](javascript:window.__xss='link') [data](data:text/html,<script>alert(1)</script>) [spaced]( javascript:alert(1))`,
  `![pic](javascript:alert('image')) <a href="javascript:alert('raw')">raw anchor</a>`,
  `<svg onload="window.__xss='svg'"></svg> <math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
  `Inline [js](javascript:window.__xss='inline') and <javascript:alert('autolink')> and [ref link][evil].`,
  `[evil]: javascript:window.__xss='reference'`,
  "```html\n<script>alert(\"in code block\")</script>\n```",
].join("\n\n");

beforeAll(async () => {
  admin = await connectMcp(url, token);
  project = await freshProject(admin, "dashboard");
  [alice, bob] = (await openAgents(admin, project, 2)) as [TestAgent, TestAgent];
  hostile = await registerAgent(admin, project, `<script>alert("name")</script>`, {
    program: `<img src=x onerror="window.__xss='program'">`,
    model: `<svg onload="window.__xss='model'">`,
    task_description: `<script>window.__xss='task'</script>`,
  });
  await callOk(admin, "set_contact_policy", { project_key: project, agent_name: hostile.name, policy: "open", registration_token: hostile.token });
  const sent = await send(admin, project, alice, { to: [bob.name, hostile.name], subject: HOSTILE_SUBJECT, body_md: HOSTILE_BODY, thread_id: "XSS-1" });
  xssThread = sent.deliveries[0]!.payload.thread_id!;
  await send(admin, project, bob, { to: [alice.name], subject: "Deploy window moved to Friday", body_md: "The **zebra** migration runs Friday." });
  await callOk(admin, "claim_paths", {
    project_key: project,
    agent_name: alice.name,
    registration_token: alice.token,
    paths: ["src/api/**"],
    reason: `refactor ${HOSTILE_SUBJECT}`,
  });
  // Commits what the background archiver may not have written yet, so the archive page has history.
  await callOk(admin, "repair_archive", { project_key: project });
  chromium = await launchChromium();
  bareChromium = await launchChromium({ bypassCSP: true });
  for (const browser of [chromium, bareChromium]) {
    const { page } = await openPage(browser);
    await loginThroughForm(page, url, token);
    await page.close();
  }
});
afterAll(async () => {
  await chromium?.close();
  await bareChromium?.close();
  await admin?.close();
});

const pages = () => [
  `/dashboard/projects/${project}`,
  `/dashboard/projects/${project}/agents/${bob.name}?box=inbox`,
  `/dashboard/projects/${project}/agents/${alice.name}?box=outbox`,
  `/dashboard/projects/${project}/threads/${xssThread}`,
  `/dashboard/projects/${project}/search?q=quarterly`,
  `/dashboard/projects/${project}/claims`,
  `/dashboard/projects/${project}/archive`,
];

describe("pages", () => {
  it("lists the project's agents with status, last activity and unread counts", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/projects/${project}`);
    const row = page.locator("tr", { has: page.locator(`a:text-is("${bob.name}")`) });
    expect(await row.locator("td").nth(2).textContent()).toBe("active");
    expect(await row.locator("td").nth(4).textContent()).toBe("1");
    await screenshot(page, "project-agents");
    await page.close();
  });

  it("shows an agent's inbox and outbox", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/projects/${project}/agents/${alice.name}?box=inbox`);
    expect(await page.locator("main table").textContent()).toContain("Deploy window moved to Friday");
    await page.click("text=Outbox");
    expect(await page.locator("main table").textContent()).toContain("quarterly");
    await page.close();
  });

  it("renders a thread's markdown: headings, emphasis and safe links survive", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/projects/${project}/threads/${xssThread}`);
    expect(await page.locator(".markdown h1").textContent()).toBe("Plan");
    expect(await page.locator(".markdown strong").first().textContent()).toBe("bold");
    expect(await page.locator('.markdown a[href="https://example.com/docs"]').count()).toBe(1);
    expect(await page.locator(".markdown pre code").textContent()).toContain('<script>alert("in code block")</script>');
    await screenshot(page, "thread");
    await page.close();
  });

  it("finds messages through the search form", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/projects/${project}/search`);
    await page.fill("input[name=q]", "zebra");
    await Promise.all([page.waitForURL(/q=zebra/), page.click("main button[type=submit]")]);
    const results = await page.locator("main table tbody tr").allTextContents();
    expect(results).toHaveLength(1);
    expect(results[0]).toContain("Deploy window moved to Friday");
    await page.close();
  });
});

describe("claims and archive", () => {
  it("shows active claims with holder, paths and expiry", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/projects/${project}/claims`);
    const row = page.locator("main tbody tr").first();
    expect(await row.locator("td").nth(0).textContent()).toBe(alice.name);
    expect(await row.locator("td").nth(1).textContent()).toBe("src/api/**");
    expect(await row.locator("td").nth(2).textContent()).toBe("exclusive");
    expect(Date.parse((await row.locator("td time").last().getAttribute("datetime"))!)).toBeGreaterThan(Date.now());
    await page.close();
  });

  it("lists the archive's recent commits, newest first", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/projects/${project}/archive`);
    const messages = await page.locator("main tbody tr td:nth-child(2)").allTextContents();
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.join("\n")).toContain("Deploy window moved to Friday");
    await screenshot(page, "archive");
    await page.close();
  });
});

describe("stored XSS stays inert", () => {
  it("control: the same checks see live markup when it is there", async () => {
    const { page, dialogs } = await openPage(bareChromium);
    await page.setContent(`<main><img src=x onerror="window.__xss='control';alert('control')"><a href="javascript:void 0">x</a></main>`);
    await page.waitForFunction("window.__xss === 'control'");
    const report = await inertness(page);
    expect(report).toMatchObject({ xssFlag: "control", eventHandlers: 1, scriptUrls: 1 });
    expect(dialogs).toEqual(["alert: control"]);
    await page.close();
  });

  for (const [label, browser] of [
    ["behind the CSP", () => chromium],
    ["with the CSP switched off (sanitiser alone)", () => bareChromium],
  ] as const) {
    it(`in subjects, bodies and agent fields on every page, ${label}`, async () => {
      for (const path of pages()) {
        const { page, dialogs } = await openPage(browser());
        await page.goto(`${url}${path}`);
        await page.mouse.move(300, 400);
        expect(await inertness(page), path).toEqual({ xssFlag: undefined, activeElements: 0, eventHandlers: 0, scriptUrls: 0 });
        expect(dialogs, path).toEqual([]);
        await page.close();
      }
    });
  }

  it("shows the hostile subject and agent fields as text", async () => {
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/projects/${project}/agents/${bob.name}?box=inbox`);
    expect(await page.locator("main table").textContent()).toContain(HOSTILE_SUBJECT);
    await page.goto(`${url}/dashboard/projects/${project}`);
    expect(await page.locator("main table").textContent()).toContain(`<img src=x onerror="window.__xss='program'">`);
    await page.close();
  });
});

describe("sending as Overseer", () => {
  it("delivers a high-importance message from Overseer, even to an agent that blocks everyone", async () => {
    await callOk(admin, "set_contact_policy", { project_key: project, agent_name: bob.name, policy: "block_all", registration_token: bob.token });
    const { page } = await openPage(chromium);
    await page.goto(`${url}/dashboard/projects/${project}`);
    await page.check(`input[name=to][value="${bob.name}"]`);
    await page.fill("#subject", "Stop and report");
    await page.fill("#body_md", "Please **stop** and summarise your progress.");
    await Promise.all([page.waitForURL(/\/threads\//), page.click("text=Send as Overseer")]);
    expect(await page.locator(".message header").last().textContent()).toContain("Overseer");
    expect(await page.locator(".message .badge.high").count()).toBeGreaterThan(0);
    await screenshot(page, "overseer-sent");
    await page.close();

    const inbox = await callOk<{ messages: Array<{ subject: string; from: string; importance: string }> }>(admin, "fetch_inbox", {
      project_key: project,
      agent_name: bob.name,
      registration_token: bob.token,
    });
    expect(inbox.messages).toContainEqual(expect.objectContaining({ subject: "Stop and report", from: "Overseer", importance: "high" }));
  });
});
