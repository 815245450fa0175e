/**
 * Public tracking routes (no auth; mail clients and providers call them from anywhere):
 *   GET  /t/c/<token>  click → 302 to the URL signed inside the token; the click is queued.
 *   GET  /t/o/<token>  open  → 1×1 GIF, no-store; the open is queued.
 *   GET  /u/<token>    confirm page with one button; never unsubscribes (scanners prefetch GETs).
 *   POST /u/<token>    RFC 8058 one-click or the page's button → unsubscribed, 200, no redirect.
 *
 * The click and open paths decide from the HMAC-verified token alone: no D1 read, and the queue
 * write runs in waitUntil after the response is returned. A token that fails verification never
 * produces a redirect (404 page) and never records anything. Only the Host is checked: RFC 8058
 * POSTs come cross-site from mail providers, so there is no Origin, cookie or CSRF check here.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { requireServedHost } from "../auth";
import { tokenCodec, type TokenKind } from "../shared/tokens";
import { classifyAgent } from "./agents";
import { trackingEvent, type Hit } from "./events";
import {
  CONFIRM_FIELD,
  CONFIRM_VALUE,
  badUnsubscribeRequestPage,
  confirmPage,
  notFoundPage,
  pixelResponse,
  redirectResponse,
  unavailablePage,
  unsubscribedPage,
} from "./pages";
import { unsubscribe, type UnsubscribeSource } from "./unsubscribe";

/** RFC 8058 bodies are one short field; anything far larger is not a one-click request. */
const MAX_UNSUBSCRIBE_BODY_BYTES = 16 * 1024;

export const trackingRoutes = new Hono<AppEnv>();

trackingRoutes.use("/t/*", requireServedHost());
trackingRoutes.use("/u/*", requireServedHost());

trackingRoutes.get("/t/c/:token", async (c) => {
  const claims = await verify(c, "click");
  const location = claims === null ? null : safeDestination(claims.url);
  if (claims === null || location === null) return notFoundPage();
  queueHit(c, {
    kind: "click",
    campaignId: claims.campaignId,
    recipientId: claims.recipientId,
    linkIndex: claims.linkIndex ?? 0,
    verdict: classifyAgent(c.req.method, c.req.header("User-Agent")),
  });
  return redirectResponse(location);
});

trackingRoutes.get("/t/o/:token", async (c) => {
  const claims = await verify(c, "open");
  if (claims !== null) {
    const asn = (c.req.raw.cf as { asn?: number } | undefined)?.asn;
    queueHit(c, {
      kind: "open",
      campaignId: claims.campaignId,
      recipientId: claims.recipientId,
      verdict: classifyAgent(c.req.method, c.req.header("User-Agent"), asn),
    });
  }
  return pixelResponse();
});

trackingRoutes.get("/u/:token", async (c) => ((await verify(c, "unsubscribe")) === null ? notFoundPage() : confirmPage()));

trackingRoutes.post(
  "/u/:token",
  bodyLimit({ maxSize: MAX_UNSUBSCRIBE_BODY_BYTES, onError: () => badUnsubscribeRequestPage() }),
  async (c) => {
    const claims = await verify(c, "unsubscribe");
    if (claims === null) return notFoundPage();
    const source = await unsubscribeSourceOf(c);
    if (source === null) return badUnsubscribeRequestPage();
    let outcome: Awaited<ReturnType<typeof unsubscribe>>;
    try {
      outcome = await unsubscribe(c.env.DB, claims, source);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "unsubscribe not recorded", requestId: c.get("requestId"), error: String(err) }));
      return unavailablePage();
    }
    return outcome === "unsubscribed" ? unsubscribedPage() : notFoundPage();
  },
);

// Anything else under the public prefixes (extra path segments, doubled slashes): never a redirect.
trackingRoutes.all("/t/c/*", () => notFoundPage());
trackingRoutes.all("/t/o/*", () => pixelResponse());
trackingRoutes.all("/u/*", () => notFoundPage());

async function verify(c: Context<AppEnv>, kind: TokenKind) {
  const codec = await tokenCodec(c.env.TRACKING_SIGNING_KEYS);
  return codec.verify(c.req.param("token") ?? "", kind);
}

/**
 * The signed destination, re-checked as an absolute http(s) URL without credentials, so even a
 * token minted for a bad link (`javascript:`, `https://a@evil`) cannot become a redirect.
 */
function safeDestination(url: string | undefined): string | null {
  if (url === undefined || !URL.canParse(url)) return null;
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  if (parsed.username !== "" || parsed.password !== "") return null;
  return parsed.href;
}

/** Queues the hit after the response; a failed send is logged, never shown to the reader. */
function queueHit(c: Context<AppEnv>, hit: Hit): void {
  const send = c.env.TRACKING_EVENTS.send(trackingEvent(hit)).catch((err: unknown) => {
    console.error(JSON.stringify({ level: "error", msg: "tracking event not queued", kind: hit.kind, error: String(err) }));
  });
  c.executionCtx.waitUntil(send);
}

/**
 * RFC 8058 §3.1: the one-click POST carries `List-Unsubscribe=One-Click` as
 * application/x-www-form-urlencoded or multipart/form-data; the confirm page posts its own field.
 */
async function unsubscribeSourceOf(c: Context<AppEnv>): Promise<UnsubscribeSource | null> {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  if (body["List-Unsubscribe"] === "One-Click") return "one_click";
  if (body[CONFIRM_FIELD] === CONFIRM_VALUE) return "page";
  return null;
}
