/** The shared digest helpers that guard registration tokens. */
import { describe, expect, it } from "vitest";
import { sha256Hex, timingSafeEqualDigests } from "../../src/shared/crypto";

describe("timingSafeEqualDigests", () => {
  it("accepts the same digest and refuses a different one, one of another length, and an empty one", async () => {
    const digest = await sha256Hex("registration-token");
    expect(timingSafeEqualDigests(await sha256Hex("registration-token"), digest)).toBe(true);
    expect(timingSafeEqualDigests(await sha256Hex("registration-tokeN"), digest)).toBe(false);
    expect(timingSafeEqualDigests(digest.slice(0, 63), digest)).toBe(false);
    expect(timingSafeEqualDigests("", digest)).toBe(false);
  });
});
