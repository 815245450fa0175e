/** Bot/prefetcher classification: machines are flagged, people's own mail clients and browsers are not. */
import { describe, expect, it } from "vitest";
import { classifyAgent } from "../../src/tracking";

const PEOPLE = {
  "Chrome on Windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
  "Safari on iPhone": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Apple Mail on macOS (MPP off)": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
  "Firefox on Linux": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Outlook desktop": "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18129; Pro)",
  "Thunderbird": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0",
};

const MACHINES: Record<string, [string, string]> = {
  "Apple MPP proxy": ["Mozilla/5.0", "apple_mpp"],
  "Gmail image proxy": ["Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", "image_proxy"],
  "Yahoo mail proxy": ["YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "image_proxy"],
  "Office link prefetch": ["Mozilla/4.0 (compatible; ms-office; MSOffice 16)", "link_scanner"],
  "Proofpoint": ["Mozilla/5.0 (compatible; Proofpoint URL Defense)", "link_scanner"],
  "Barracuda": ["Mozilla/5.0 (compatible; Barracuda Sentinel)", "link_scanner"],
  "Googlebot": ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "automation"],
  "Slack unfurl": ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "automation"],
  "python-requests": ["python-requests/2.32.3", "automation"],
  "headless Chrome": ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "automation"],
};

describe("classifyAgent", () => {
  for (const [name, ua] of Object.entries(PEOPLE)) {
    it(`counts ${name} as a person`, () => {
      expect(classifyAgent("GET", ua)).toEqual({ agent: "person", isBot: false });
    });
  }
  for (const [name, [ua, agent]] of Object.entries(MACHINES)) {
    it(`flags ${name} as a bot (${agent})`, () => {
      expect(classifyAgent("GET", ua)).toEqual({ agent, isBot: true });
    });
  }
  it("flags any HEAD request, an empty User-Agent and opens from Apple's network", () => {
    expect(classifyAgent("HEAD", PEOPLE["Chrome on Windows"])).toEqual({ agent: "head_request", isBot: true });
    expect(classifyAgent("GET", "  ")).toEqual({ agent: "no_user_agent", isBot: true });
    expect(classifyAgent("GET", PEOPLE["Safari on iPhone"], 714)).toEqual({ agent: "apple_mpp", isBot: true });
    expect(classifyAgent("GET", PEOPLE["Safari on iPhone"], 13335)).toEqual({ agent: "person", isBot: false });
  });
});
