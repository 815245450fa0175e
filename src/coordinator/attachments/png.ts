/**
 * A PNG decoder to RGBA (the WebP encoder's input). No PNG decoder is installed for workerd, and the format is
 * small: chunks, zlib (DecompressionStream('deflate')), five scanline filters, five colour types. Supported: every
 * colour type at bit depths 1–16, palette transparency (tRNS); not supported: Adam7 interlacing (such images are
 * stored unconverted by the caller). The CRC of chunks is not checked: a corrupt stream fails to inflate instead.
 */

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** Largest image we decode (pixels): 40 MP keeps the RGBA buffer (160 MB) within a Worker's memory. */
export const MAX_PNG_PIXELS = 40_000_000;

export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

export class PngUnsupportedError extends Error {
  override readonly name = "PngUnsupportedError";
}

export async function decodePng(bytes: Uint8Array): Promise<RgbaImage> {
  if (!isPng(bytes)) throw new PngUnsupportedError("not a PNG");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = 0;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  for (let offset = 8; offset + 8 <= bytes.length; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    offset += 12 + length;
    if (type === "IHDR") {
      width = view.getUint32(16);
      height = view.getUint32(20);
      depth = data[8]!;
      colorType = data[9]!;
      if (data[12] !== 0) throw new PngUnsupportedError("interlaced PNG");
    } else if (type === "PLTE") palette = data;
    else if (type === "tRNS") transparency = data;
    else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
  }
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (!channels || width === 0 || height === 0) throw new PngUnsupportedError("bad PNG header");
  if (width * height > MAX_PNG_PIXELS) throw new PngUnsupportedError("image too large to convert");
  const raw = await inflate(idat);
  const bitsPerPixel = channels * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  if (raw.length < height * (stride + 1)) throw new PngUnsupportedError("truncated PNG data");
  const rows = unfilter(raw, height, stride, bpp);
  const out = new Uint8ClampedArray(width * height * 4);
  const sample = (row: Uint8Array, index: number): number => {
    if (depth === 8) return row[index]!;
    if (depth === 16) return row[index * 2]!; // high byte is enough for 8-bit output
    const perByte = 8 / depth;
    const byte = row[Math.floor(index / perByte)]!;
    const shift = 8 - depth * ((index % perByte) + 1);
    return (byte >> shift) & ((1 << depth) - 1);
  };
  const scale = (v: number) => (depth >= 8 ? v : Math.round((v * 255) / ((1 << depth) - 1)));
  for (let y = 0; y < height; y++) {
    const row = rows[y]!;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (colorType === 3) {
        const i = sample(row, x);
        out[o] = palette?.[i * 3] ?? 0;
        out[o + 1] = palette?.[i * 3 + 1] ?? 0;
        out[o + 2] = palette?.[i * 3 + 2] ?? 0;
        out[o + 3] = transparency?.[i] ?? 255;
      } else if (colorType === 0 || colorType === 4) {
        const g = scale(sample(row, x * channels));
        out[o] = out[o + 1] = out[o + 2] = g;
        out[o + 3] = colorType === 4 ? scale(sample(row, x * channels + 1)) : 255;
      } else {
        out[o] = sample(row, x * channels);
        out[o + 1] = sample(row, x * channels + 1);
        out[o + 2] = sample(row, x * channels + 2);
        out[o + 3] = colorType === 6 ? sample(row, x * channels + 3) : 255;
      }
    }
  }
  return { width, height, data: out };
}

async function inflate(parts: Uint8Array[]): Promise<Uint8Array> {
  const stream = new Blob(parts).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reverses the per-scanline filters (None, Sub, Up, Average, Paeth), PNG spec §9. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array[] {
  const rows: Uint8Array[] = [];
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1);
    const filter = raw[start]!;
    const row = raw.slice(start + 1, start + 1 + stride);
    for (let i = 0; i < stride; i++) {
      const left = i >= bpp ? row[i - bpp]! : 0;
      const up = previous[i]!;
      const upLeft = i >= bpp ? previous[i - bpp]! : 0;
      let add = 0;
      if (filter === 1) add = left;
      else if (filter === 2) add = up;
      else if (filter === 3) add = (left + up) >> 1;
      else if (filter === 4) add = paeth(left, up, upLeft);
      else if (filter !== 0) throw new PngUnsupportedError(`unknown PNG filter ${filter}`);
      row[i] = (row[i]! + add) & 0xff;
    }
    rows.push(row);
    previous = row;
  }
  return rows;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
