/**
 * WebP encoding with jSquash (libwebp compiled to WebAssembly). In workerd a module cannot fetch its .wasm by URL,
 * so we import the compiled module (wrangler's default CompiledWasm rule for `*.wasm`) and hand it to `init`.
 * The SIMD build is used: workerd's V8 always has Wasm SIMD, which is also what jSquash's own feature check picks.
 */
import encode, { init } from "@jsquash/webp/encode.js";
import simdWasm from "@jsquash/webp/codec/enc/webp_enc_simd.wasm";
import type { RgbaImage } from "./png";

/** libwebp quality (0–100) for lossy output, the original's setting. */
const WEBP_QUALITY = 80;

let ready: Promise<unknown> | undefined;

export async function encodeWebp(image: RgbaImage): Promise<Uint8Array> {
  // The published typings omit init's (module, options) overload that the JavaScript implements.
  ready ??= (init as unknown as (module: WebAssembly.Module) => Promise<unknown>)(simdWasm);
  await ready;
  const pixels = { data: image.data, width: image.width, height: image.height, colorSpace: "srgb" } as unknown as Parameters<typeof encode>[0];
  return new Uint8Array(await encode(pixels, { quality: WEBP_QUALITY, method: 4 }));
}
