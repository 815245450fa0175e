/**
 * Progress for `campaign status --watch`: a bar of finished (sent + failed + skipped) over total,
 * the rate over a sliding window of samples, and the ETA from that rate. Pure, so it is testable.
 */

export interface StatusSample {
  state: string;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  pause_reason?: string | null;
  summary?: string | null;
}

/** Seconds of history the rate is computed over. */
const RATE_WINDOW_SECONDS = 20;
const BAR_WIDTH = 24;

export class ProgressTracker {
  #samples: Array<{ at: number; finished: number }> = [];

  /** Records a sample taken at `atMs` and returns messages per second over the window (null until two samples). */
  add(sample: StatusSample, atMs: number): number | null {
    const finished = sample.sent + sample.failed + sample.skipped;
    this.#samples.push({ at: atMs, finished });
    while (this.#samples.length > 2 && atMs - this.#samples[0]!.at > RATE_WINDOW_SECONDS * 1000) this.#samples.shift();
    const first = this.#samples[0]!;
    const seconds = (atMs - first.at) / 1000;
    return seconds > 0 ? (finished - first.finished) / seconds : null;
  }
}

export function formatProgress(sample: StatusSample, rate: number | null): string {
  const finished = sample.sent + sample.failed + sample.skipped;
  const ratio = sample.total === 0 ? 1 : Math.min(1, finished / sample.total);
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
  const remaining = sample.total - finished;
  const eta = rate && rate > 0 && remaining > 0 ? formatDuration(remaining / rate) : remaining === 0 ? "0:00" : "--:--";
  const rateText = rate === null ? "–/s" : `${rate.toFixed(1)}/s`;
  return (
    `[${bar}] ${Math.floor(ratio * 100)
      .toString()
      .padStart(3)}% ${sample.state} · sent ${sample.sent} · failed ${sample.failed} · skipped ${sample.skipped}` +
    ` of ${sample.total} · ${rateText} · ETA ${eta}`
  );
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** States after which watching stops. */
export function isSettled(state: string): boolean {
  return state === "done" || state === "cancelled" || state === "paused" || state === "draft";
}
