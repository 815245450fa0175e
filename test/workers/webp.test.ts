/** PNG decoding and WebP encoding inside workerd (jSquash's Wasm loaded as a compiled module). */
import { describe, expect, it } from "vitest";
import { decodePng } from "../../src/coordinator/attachments/png";
import { encodeWebp } from "../../src/coordinator/attachments/webp";
import { makePng } from "../support/png-fixture";

describe("PNG → WebP", () => {
  it("decodes an RGBA PNG fixture pixel for pixel", async () => {
    const png = await makePng(3, 2, (x, y) => [x * 100, y * 100, 7, 200]);
    const image = await decodePng(png);
    expect([image.width, image.height]).toEqual([3, 2]);
    expect([...image.data.slice(4 * 4, 4 * 5)]).toEqual([100, 100, 7, 200]); // pixel (1, 1)
  });

  it("encodes it as a WebP (RIFF/WEBP container) with the same dimensions", async () => {
    const png = await makePng(64, 48, (x, y) => [x * 4, y * 5, (x + y) % 256, 255]);
    const webp = await encodeWebp(await decodePng(png));
    const ascii = (from: number, to: number) => new TextDecoder().decode(webp.slice(from, to));
    expect(ascii(0, 4)).toBe("RIFF");
    expect(ascii(8, 12)).toBe("WEBP");
    expect(["VP8 ", "VP8L", "VP8X"]).toContain(ascii(12, 16));
  });
});
