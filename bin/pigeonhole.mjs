#!/usr/bin/env node
// The `pigeonhole` command: runs src/cli/main.ts through tsx so the CLI shares the Worker's TypeScript sources.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
