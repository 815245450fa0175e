/** Every benchmark case, in print order; later issues append theirs. */
import type { BenchCase } from "../lib";
import { ensureProjectCase } from "./infrastructure";

export const CASES: BenchCase[] = [ensureProjectCase];
