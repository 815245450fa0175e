/** Signed tracking tokens: round trips, key rotation, and every kind of forgery returns null. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseSigningKeys, tokenCodec, type TokenClaims } from "../../src/shared/tokens";

const click: TokenClaims = { kind: "click", campaignId: 7, recipientId: 123456, linkIndex: 2, url: "https://ex.com/a?b=1" };

function flipChar(token: string, at: number): string {
  const c = token[at] === "A" ? "B" : "A";
  return token.slice(0, at) + c + token.slice(at + 1);
}

describe("tokens", () => {
  it("round-trips every kind and carries the click URL", async () => {
    const codec = await tokenCodec(env.TRACKING_SIGNING_KEYS);
    expect(await codec.verify(await codec.sign(click), "click")).toEqual(click);
    for (const kind of ["open", "unsubscribe", "message"] as const) {
      const claims = { kind, campaignId: 1, recipientId: 2 };
      const token = await codec.sign(claims);
      expect(token).toMatch(/^[A-Za-z0-9_-]{20,40}$/);
      expect(await codec.verify(token, kind)).toEqual(claims);
    }
  });

  it("rejects altered, truncated, wrong-kind and wrong-key tokens with null", async () => {
    const codec = await tokenCodec(env.TRACKING_SIGNING_KEYS);
    const token = await codec.sign(click);
    for (let i = 0; i < token.length; i += 3) expect(await codec.verify(flipChar(token, i))).toBeNull();
    expect(await codec.verify(token.slice(0, -2))).toBeNull();
    expect(await codec.verify(token, "open")).toBeNull();
    expect(await codec.verify(`${token}.`)).toBeNull();
    const other = await tokenCodec("2:b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXk");
    expect(await codec.verify(await other.sign(click))).toBeNull();
  });

  it("verifies tokens signed with an older key after rotation", async () => {
    const old = await tokenCodec("1:dGVzdC10cmFja2luZy1rZXktb25lLTAxMjM0NTY3ODk");
    const rotated = await tokenCodec(env.TRACKING_SIGNING_KEYS);
    const token = await old.sign({ kind: "open", campaignId: 3, recipientId: 4 });
    expect(await rotated.verify(token, "open")).toEqual({ kind: "open", campaignId: 3, recipientId: 4 });
  });

  it("refuses malformed key configuration naming the secret", () => {
    expect(() => parseSigningKeys("")).toThrow(/TRACKING_SIGNING_KEYS/);
    expect(() => parseSigningKeys("300:dGVzdC10cmFja2luZy1rZXktb25lLTAxMjM0NTY3ODk")).toThrow(/0–255/);
    expect(() => parseSigningKeys("1:c2hvcnQ")).toThrow(/at least 16 bytes/);
  });
});
