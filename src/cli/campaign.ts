/** `pigeonhole campaign send <id>` and `pigeonhole campaign status <id> [--watch]` over the MCP API. */
import { setTimeout as sleep } from "node:timers/promises";
import { connect, idArg, stringFlag, type CliCommand, type CommandArgs, type McpConnection } from "./command";
import { formatProgress, isSettled, ProgressTracker, type StatusSample } from "./progress";

/** Poll interval of --watch, milliseconds (override with --interval). */
const WATCH_INTERVAL_MS = 1000;

export const campaignSend: CliCommand = {
  usage: "<campaign-id> [--dry-run] [--test-to <address>] [--watch]",
  summary: "Starts sending (or renders with --dry-run, or sends one copy with --test-to); --watch follows progress.",
  async run(args) {
    const campaignId = idArg(args, "campaign");
    const mcp = await connect(args);
    try {
      const payload: Record<string, unknown> = { campaign_id: campaignId };
      if (args.flags["dry-run"]) payload.dry_run = true;
      const testTo = stringFlag(args, "test-to");
      if (testTo) payload.test_to = testTo;
      const result = await mcp.call<Record<string, unknown>>("campaigns", { action: "send", payload });
      if (payload.dry_run || testTo || !args.flags.watch) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return 0;
      }
      return await watch(mcp, campaignId, args);
    } finally {
      await mcp.close();
    }
  },
};

export const campaignStatus: CliCommand = {
  usage: "<campaign-id> [--watch] [--interval <ms>] [--json]",
  summary: "Shows a campaign's progress; --watch redraws a live bar (sent/failed/skipped, rate, ETA) until it settles.",
  async run(args) {
    const campaignId = idArg(args, "campaign");
    const mcp = await connect(args);
    try {
      if (args.flags.watch) return await watch(mcp, campaignId, args);
      const status = await fetchStatus(mcp, campaignId);
      process.stdout.write(args.flags.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatProgress(status, null)}\n`);
      return 0;
    } finally {
      await mcp.close();
    }
  },
};

function fetchStatus(mcp: McpConnection, campaignId: number): Promise<StatusSample> {
  return mcp.call<StatusSample>("campaigns", { action: "status", payload: { campaign_id: campaignId } });
}

/** Redraws one line on a TTY; elsewhere prints a line whenever the numbers change. Exit 0 done, 2 paused/cancelled. */
async function watch(mcp: McpConnection, campaignId: number, args: CommandArgs): Promise<number> {
  const interval = Number(stringFlag(args, "interval") ?? WATCH_INTERVAL_MS);
  const tracker = new ProgressTracker();
  const tty = process.stdout.isTTY === true;
  let last = "";
  for (;;) {
    const status = await fetchStatus(mcp, campaignId);
    const line = formatProgress(status, tracker.add(status, Date.now()));
    const key = `${status.state}:${status.sent}:${status.failed}:${status.skipped}`;
    if (tty) process.stdout.write(`\r\x1b[2K${line}`);
    else if (key !== last) process.stdout.write(`${line}\n`);
    last = key;
    if (isSettled(status.state)) {
      if (tty) process.stdout.write("\n");
      if (status.summary) process.stdout.write(`${status.summary}\n`);
      if (status.state === "paused") process.stdout.write(`Paused: ${status.pause_reason ?? "no reason given"}\n`);
      return status.state === "done" ? 0 : 2;
    }
    await sleep(Number.isFinite(interval) && interval > 0 ? interval : WATCH_INTERVAL_MS);
  }
}
