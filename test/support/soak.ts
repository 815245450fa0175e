/**
 * What the fault-injection tests share: the soak switch (`SOAK=1`, set by scripts/soak.sh and handed to
 * both projects through vitest.config.ts `provide`) and a seeded PRNG, so a failing run can be replayed.
 */
import { inject } from "vitest";

declare module "vitest" {
  interface ProvidedContext {
    soak: boolean;
  }
}

/** True when the long version of the fault-injection checks should run. */
export function soakMode(): boolean {
  return inject("soak");
}

/** Deterministic PRNG (mulberry32): the same seed gives the same fault points. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
