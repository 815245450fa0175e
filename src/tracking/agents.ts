/**
 * Who fetched a tracking URL: a person's mail client, or a machine acting before (or instead of) one.
 * Machine hits are still recorded, flagged `is_bot`, so totals stay honest while unique opens and
 * clicks count people. Classification uses only the request line and headers already in hand, so it
 * costs nothing on the redirect path; the raw User-Agent is never stored, only the class below.
 */

/** Why a hit was or was not attributed to a person; stored in the event's `detail.agent`. */
export type AgentClass =
  | "person"
  /** HEAD: link checkers and Apple Mail's background URL check; a person's click is always a GET. */
  | "head_request"
  /** No User-Agent at all: scripts and scanners; every real client sends one. */
  | "no_user_agent"
  /** Apple Mail Privacy Protection prefetches every image through Apple's proxies at delivery time. */
  | "apple_mpp"
  /** Gmail and Yahoo fetch images through their own caching proxies. */
  | "image_proxy"
  /** Mail-security gateways that follow every link to scan it (Safe Links, Mimecast, Proofpoint…). */
  | "link_scanner"
  /** Crawlers, chat link previews and HTTP libraries. */
  | "automation";

export interface AgentVerdict {
  agent: AgentClass;
  isBot: boolean;
}

/** Apple's network (AS714); MPP prefetches come from it, people's own opens do not. */
const APPLE_ASN = 714;

// Order matters: the first match names the class. Patterns are matched case-insensitively.
const SIGNATURES: ReadonlyArray<readonly [AgentClass, RegExp]> = [
  ["image_proxy", /GoogleImageProxy|ggpht\.com|YahooMailProxy/i],
  [
    "link_scanner",
    /Barracuda|Mimecast|Proofpoint|urldefense|Forcepoint|Symantec|Trend ?Micro|Sophos|Fortinet|FortiGuard|Cisco|IronPort|Zscaler|SafeLinks|Safe Links|Microsoft-ATP|BingPreview|MSOffice|ms-office|Cloudmark|SpamTitan|Vade|Trustwave|Check ?Point|WatchGuard|Palo ?Alto|Hornet/i,
  ],
  [
    "automation",
    /bot\b|bot\/|crawler|spider|preview|facebookexternalhit|WhatsApp|Slack|Discord|Telegram|Skype|HeadlessChrome|PhantomJS|python-requests|python-urllib|aiohttp|httpx|Go-http-client|curl\/|Wget|okhttp|Java\/|libwww|axios|node-fetch|undici|Apache-HttpClient|scrapy/i,
  ],
];

/**
 * Classifies one hit. `asn` is `request.cf.asn` when Cloudflare provides it (absent in local runs).
 * A bare `Mozilla/5.0` is Apple's MPP proxy signature; real browsers always say more.
 */
export function classifyAgent(method: string, userAgent: string | undefined, asn?: number): AgentVerdict {
  if (method === "HEAD") return bot("head_request");
  const ua = (userAgent ?? "").trim();
  if (ua === "") return bot("no_user_agent");
  if (ua === "Mozilla/5.0" || asn === APPLE_ASN) return bot("apple_mpp");
  for (const [agent, pattern] of SIGNATURES) if (pattern.test(ua)) return bot(agent);
  return { agent: "person", isBot: false };
}

function bot(agent: AgentClass): AgentVerdict {
  return { agent, isBot: true };
}
