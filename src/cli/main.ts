/**
 * `pigeonhole` command entry. Commands live in one table keyed by their words ("campaign send"), so
 * other contexts add theirs (guard, sync…) by adding rows; dispatch picks the longest matching key.
 * Connection settings come from --url/--token or PIGEONHOLE_URL/PIGEONHOLE_TOKEN.
 */
import { campaignSend, campaignStatus } from "./campaign";
import { CliError, type CliCommand } from "./command";

export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  "campaign send": campaignSend,
  "campaign status": campaignStatus,
};

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

/** `--name value`, `--name=value` and bare `--flag`; a value never starts with "--". */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) flags[name] = inline;
    else if (next !== undefined && !next.startsWith("--") && !BOOLEAN_FLAGS.has(name)) {
      flags[name] = next;
      i++;
    } else flags[name] = true;
  }
  return { positional, flags };
}

const BOOLEAN_FLAGS = new Set(["watch", "dry-run", "help", "json"]);

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([key, cmd]) => `  pigeonhole ${key} ${cmd.usage}\n      ${cmd.summary}`);
  return [
    "Usage:",
    ...lines,
    "",
    "Connection: --url <base> --token <bearer> (or PIGEONHOLE_URL / PIGEONHOLE_TOKEN).",
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const key = Object.keys(COMMANDS)
    .filter((k) => k.split(" ").every((word, i) => args.positional[i] === word))
    .sort((a, b) => b.length - a.length)[0];
  if (!key || args.flags.help) {
    (key ? process.stdout : process.stderr).write(`${usage()}\n`);
    return key ? 0 : 64;
  }
  const rest = { ...args, positional: args.positional.slice(key.split(" ").length) };
  try {
    return await COMMANDS[key]!.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`pigeonhole: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
