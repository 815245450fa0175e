/**
 * A server-rendered SVG bar chart (no script, so it passes the CSP): counts per time bucket, e.g. messages
 * sent per minute. Presentation only; the buckets come from the campaigns service.
 */
export interface Bucket {
  /** ISO-8601 start of the bucket */
  start: string;
  count: number;
}

const WIDTH = 720;
const HEIGHT = 180;
const PAD = { top: 12, right: 12, bottom: 28, left: 40 };
/** A lone bucket stays a bar, not a block. */
const MAX_BAR_WIDTH = 28;

export function BarChart(props: { buckets: readonly Bucket[]; label: string }) {
  const { buckets } = props;
  if (buckets.length === 0) return <p class="empty">Nothing sent yet.</p>;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / buckets.length;
  const barW = Math.max(1, Math.min(slot * 0.8, MAX_BAR_WIDTH));
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.label} xmlns="http://www.w3.org/2000/svg">
      <title>{props.label}</title>
      <line class="axis" x1={PAD.left} y1={PAD.top + plotH} x2={WIDTH - PAD.right} y2={PAD.top + plotH} />
      <text x={PAD.left - 6} y={PAD.top + 10} text-anchor="end">
        {String(max)}
      </text>
      <text x={PAD.left - 6} y={PAD.top + plotH} text-anchor="end">
        0
      </text>
      {buckets.map((b, i) => {
        const h = (b.count / max) * plotH;
        const x = PAD.left + i * slot + (slot - barW) / 2;
        return (
          <g>
            <rect class="bar" x={x.toFixed(1)} y={(PAD.top + plotH - h).toFixed(1)} width={barW.toFixed(1)} height={h.toFixed(1)}>
              <title>{`${b.start}: ${b.count}`}</title>
            </rect>
            {i % labelEvery === 0 ? (
              <text x={(x + barW / 2).toFixed(1)} y={HEIGHT - 8} text-anchor="middle">
                {b.start.slice(11, 16)}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
