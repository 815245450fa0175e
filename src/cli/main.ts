/**
 * The `pigeonhole` command. Table-driven: each context adds its commands to COMMANDS; `main` picks the longest
 * matching command path, parses its options with node:util parseArgs, and maps failures to an exit code.
 */
import { parseArgs } from "node:util";
import { CliError, type CliCommand } from "./command";
import { CAMPAIGN_COMMANDS } from "./campaign";
import { GUARD_COMMANDS } from "./guard";

export const COMMANDS: readonly CliCommand[] = [...GUARD_COMMANDS, ...CAMPAIGN_COMMANDS];

function help(): string {
  const lines = COMMANDS.map((c) => `  pigeonhole ${c.path.join(" ").padEnd(18)} ${c.summary}`);
  return `Usage: pigeonhole <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun pigeonhole <command> --help for its options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const command = [...COMMANDS]
    .sort((a, b) => b.path.length - a.path.length)
    .find((c) => c.path.every((word, i) => argv[i] === word));
  if (!command) {
    process.stdout.write(help());
    return argv.length === 0 || argv[0] === "--help" || argv[0] === "help" ? 0 : 2;
  }
  const rest = argv.slice(command.path.length);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    return await command.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (err) {
    const known = err instanceof CliError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`pigeonhole: ${known ? (err as Error).message : String(err)}\n`);
    if (!known) process.stderr.write(`${command.usage}\n`);
    return known ? 2 : 1;
  }
}
