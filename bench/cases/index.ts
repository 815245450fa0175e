/** Every benchmark case, in print order; later issues append theirs. */
import type { BenchCase } from "../lib";
import { archiveCloneCase, checkClaimsCase, claimPathsCase } from "./claims";
import { ensureProjectCase } from "./infrastructure";

export const CASES: BenchCase[] = [ensureProjectCase, claimPathsCase, checkClaimsCase, archiveCloneCase];
