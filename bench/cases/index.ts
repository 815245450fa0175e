/** Every benchmark case, in print order; later issues append theirs. */
import type { BenchCase } from "../lib";
import { ensureProjectCase } from "./infrastructure";
import { fetchInboxCase, healthThroughputCase, searchCase, sendMessageCase, sendThroughputCase } from "./mail";

export const CASES: BenchCase[] = [ensureProjectCase, sendMessageCase, healthThroughputCase, sendThroughputCase, fetchInboxCase, searchCase];
