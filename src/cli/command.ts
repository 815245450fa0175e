/** What a CLI command is (the table in main.ts lists them) and the error type for user-fixable failures. */
import type { ParseArgsConfig } from "node:util";

export interface CliCommand {
  /** Words that select the command, e.g. ["guard", "install"]. */
  path: string[];
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

/** A failure the user can fix; printed without a stack trace, exit code 2. */
export class CliError extends Error {
  override readonly name = "CliError";
}
