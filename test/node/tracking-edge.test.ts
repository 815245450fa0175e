/**
 * The public tracking routes under real `wrangler dev`, called the way mail clients and providers call
 * them (plain HTTP, no auth, no cookies): click redirect, pixel, confirm page, RFC 8058 POST shape.
 */
import { describe, expect, inject, it } from "vitest";
import { tokenCodec } from "../../src/shared/tokens";
import { E2E_TRACKING_SIGNING_KEYS } from "../support/worker";

const { url } = inject("worker");

async function token(claims: Parameters<Awaited<ReturnType<typeof tokenCodec>>["sign"]>[0]): Promise<string> {
  return (await tokenCodec(E2E_TRACKING_SIGNING_KEYS)).sign(claims);
}

describe("tracking edge under wrangler dev", () => {
  it("redirects a signed click with 302 and answers a forged one with a 404 page", async () => {
    const good = await token({ kind: "click", campaignId: 7_000_001, recipientId: 1, linkIndex: 0, url: "https://example.com/x" });
    const res = await fetch(`${url}/t/c/${good}`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/x");
    const forged = await fetch(`${url}/t/c/${good.slice(0, -2)}AA`, { redirect: "manual" });
    expect(forged.status).toBe(404);
    expect(forged.headers.get("location")).toBeNull();
  });

  it("serves the no-store GIF for good and bad open tokens alike", async () => {
    const good = await token({ kind: "open", campaignId: 7_000_001, recipientId: 1 });
    for (const t of [good, "garbage"]) {
      const res = await fetch(`${url}/t/o/${t}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/gif");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect((await res.arrayBuffer()).byteLength).toBe(43);
    }
  });

  it("shows the confirm page on GET and treats a one-click POST for an unknown recipient as not found", async () => {
    const u = await token({ kind: "unsubscribe", campaignId: 7_000_001, recipientId: 1 });
    const page = await fetch(`${url}/u/${u}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    const form = new FormData();
    form.set("List-Unsubscribe", "One-Click");
    const post = await fetch(`${url}/u/${u}`, { method: "POST", body: form, redirect: "manual" });
    expect(post.status).toBe(404);
    expect(post.headers.get("location")).toBeNull();
  });
});
