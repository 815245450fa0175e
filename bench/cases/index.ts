/** Every benchmark case, in print order; later issues append theirs. */
import type { BenchCase } from "../lib";
import { archiveCloneCase, checkClaimsCase, claimPathsCase } from "./claims";
import { ensureProjectCase } from "./infrastructure";
import { fetchInboxCase, healthThroughputCase, searchCase, sendMessageCase, sendThroughputCase } from "./mail";

export const CASES: BenchCase[] = [
  ensureProjectCase,
  sendMessageCase,
  healthThroughputCase,
  sendThroughputCase,
  fetchInboxCase,
  searchCase,
  claimPathsCase,
  checkClaimsCase,
  archiveCloneCase,
];
