/**
 * `pigeonhole campaign send <id>` and `pigeonhole campaign status <id> [--watch]` over the MCP API.
 * Exit codes: 0 done (or the one-shot call succeeded), 3 the watched campaign ended paused or cancelled,
 * 2 a fixable error (main.ts).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { CliError, type CliCommand } from "./command";
import { CONNECTION_OPTIONS, connectMcp, type McpConnection } from "./mcp";
import { formatProgress, isSettled, ProgressTracker, type StatusSample } from "./progress";

/** Poll interval of --watch, milliseconds (override with --interval). */
const WATCH_INTERVAL_MS = 1000;
const EXIT_NOT_DONE = 3;

type Values = Record<string, string | boolean | undefined>;

function campaignId(positionals: string[]): number {
  const id = Number(positionals[0]);
  if (!Number.isInteger(id) || id <= 0) throw new CliError("expected a campaign id, e.g. pigeonhole campaign status 42");
  return id;
}

async function withMcp<T>(values: Values, run: (mcp: McpConnection) => Promise<T>): Promise<T> {
  const mcp = await connectMcp(values);
  try {
    return await run(mcp);
  } finally {
    await mcp.close();
  }
}

const campaignSend: CliCommand = {
  path: ["campaign", "send"],
  summary: "Start sending a campaign (--watch follows it)",
  usage:
    "Usage: pigeonhole campaign send <campaign-id> [--watch] [--interval <ms>] [--dry-run] [--test-to <address>] [--url <base>] [--token <bearer>]\n" +
    "  Starts the send and returns at once; --dry-run renders without sending; --test-to sends one copy there.",
  options: {
    ...CONNECTION_OPTIONS,
    watch: { type: "boolean" },
    interval: { type: "string" },
    "dry-run": { type: "boolean" },
    "test-to": { type: "string" },
  },
  run: (values, positionals) =>
    withMcp(values, async (mcp) => {
      const id = campaignId(positionals);
      const payload: Record<string, unknown> = { campaign_id: id };
      if (values["dry-run"]) payload.dry_run = true;
      if (typeof values["test-to"] === "string") payload.test_to = values["test-to"];
      const result = await mcp.call<Record<string, unknown>>("campaigns", { action: "send", payload });
      if (payload.dry_run || payload.test_to || !values.watch) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return 0;
      }
      return watch(mcp, id, values);
    }),
};

const campaignStatus: CliCommand = {
  path: ["campaign", "status"],
  summary: "Show a campaign's progress (--watch: live bar)",
  usage:
    "Usage: pigeonhole campaign status <campaign-id> [--watch] [--interval <ms>] [--json] [--url <base>] [--token <bearer>]\n" +
    "  --watch redraws a bar with sent/failed/skipped, rate and ETA until the campaign is done, paused or cancelled.",
  options: { ...CONNECTION_OPTIONS, watch: { type: "boolean" }, interval: { type: "string" }, json: { type: "boolean" } },
  run: (values, positionals) =>
    withMcp(values, async (mcp) => {
      const id = campaignId(positionals);
      if (values.watch) return watch(mcp, id, values);
      const status = await fetchStatus(mcp, id);
      process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatProgress(status, null)}\n`);
      return 0;
    }),
};

export const CAMPAIGN_COMMANDS: readonly CliCommand[] = [campaignSend, campaignStatus];

function fetchStatus(mcp: McpConnection, id: number): Promise<StatusSample> {
  return mcp.call<StatusSample>("campaigns", { action: "status", payload: { campaign_id: id } });
}

/** Redraws one line on a TTY; elsewhere prints a line whenever the numbers change. */
async function watch(mcp: McpConnection, id: number, values: Values): Promise<number> {
  const requested = Number(values.interval ?? WATCH_INTERVAL_MS);
  const interval = Number.isFinite(requested) && requested > 0 ? requested : WATCH_INTERVAL_MS;
  const tracker = new ProgressTracker();
  const tty = process.stdout.isTTY === true;
  let last = "";
  for (;;) {
    const status = await fetchStatus(mcp, id);
    const line = formatProgress(status, tracker.add(status, Date.now()));
    const key = `${status.state}:${status.sent}:${status.failed}:${status.skipped}`;
    if (tty) process.stdout.write(`\r\x1b[2K${line}`);
    else if (key !== last) process.stdout.write(`${line}\n`);
    last = key;
    if (isSettled(status.state)) {
      if (tty) process.stdout.write("\n");
      if (status.summary) process.stdout.write(`${status.summary}\n`);
      if (status.state === "paused") process.stdout.write(`Paused: ${status.pause_reason ?? "no reason given"}\n`);
      return status.state === "done" ? 0 : EXIT_NOT_DONE;
    }
    await sleep(interval);
  }
}
