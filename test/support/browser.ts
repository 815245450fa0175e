/**
 * Real headless Chromium (Debian's `chromium` package, installed by scripts/lib.sh ensure_chromium) driven by
 * playwright-core. Each launch gets a fresh profile directory, removed on close. Pages record dialogs and
 * CSP violations so tests can assert that stored markup stayed inert.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS_DIR = join(process.cwd(), "test-artifacts");

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Playwright's default is 30 s; a page on loopback that takes 10 s is already broken. */
const PAGE_TIMEOUT_MS = 10_000;

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** `bypassCSP` turns the page's CSP off, to test the sanitiser on its own rather than behind the CSP. */
export async function launchChromium(options: { bypassCSP?: boolean } = {}): Promise<Chromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), "pigeonhole-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    bypassCSP: options.bypassCSP ?? false,
  });
  return {
    context,
    close: async () => {
      try {
        await context.close();
      } finally {
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** `alert`/`confirm`/`prompt` dialogs the page opened (stored XSS would). */
  dialogs: string[];
  /** Console messages reporting a blocked CSP violation. */
  cspViolations: string[];
}

export async function openPage(chromiumInstance: Chromium): Promise<WatchedPage> {
  const page = await chromiumInstance.context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const watched: WatchedPage = { page, dialogs: [], cspViolations: [] };
  page.on("dialog", (dialog) => {
    watched.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) watched.cspViolations.push(message.text());
  });
  return watched;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Logs in through the login form, as a person would. */
export async function loginThroughForm(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/login`);
  await page.fill("#token", token);
  await Promise.all([page.waitForURL(/\/dashboard\/projects/), page.click("button[type=submit]")]);
}

export interface InertnessReport {
  /** `window.__xss` after the page loaded (stored payloads set it when they run) */
  xssFlag: unknown;
  /** `<script>`, `<iframe>`, `<object>`, `<embed>` elements inside <main> */
  activeElements: number;
  /** attributes named on* anywhere in <main> */
  eventHandlers: number;
  /** href/src/action values with a javascript:, data: or vbscript: scheme inside <main> */
  scriptUrls: number;
}

/** What a page's DOM says about stored markup, read in the browser itself (not by matching HTML text). */
export async function inertness(page: Page): Promise<InertnessReport> {
  // A string expression: the test project's TypeScript has no DOM types, the browser does.
  return page.evaluate(`(() => {
    const main = document.querySelector("main") ?? document.body;
    const all = [main, ...main.querySelectorAll("*")];
    return {
      xssFlag: window.__xss,
      activeElements: main.querySelectorAll("script, iframe, object, embed, frame").length,
      eventHandlers: all.reduce((n, el) => n + [...el.attributes].filter((a) => /^on/i.test(a.name)).length, 0),
      scriptUrls: all.reduce((n, el) => n + ["href", "src", "action", "formaction", "xlink:href"]
        .map((name) => el.getAttribute(name) ?? "")
        .filter((value) => /^\\s*(javascript|data|vbscript):/i.test(value)).length, 0),
    };
  })()`);
}
