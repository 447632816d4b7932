import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { PALETTE } from './charts.js';

const AXIS = { fontSize: 12, fill: '#4d5560' };

export interface ActivityChartProps {
  /** Each bucket's start (ms) and its events, oldest first. */
  buckets: { at: number; events: number }[];
  /** The width of a bucket (ms): a minute or an hour. */
  bucketMs: number;
  title: string;
}

/** Events per bucket as bars, labelled in UTC: the time of day, and the day too over a week. */
export function ActivityChart({ buckets, bucketMs, title }: ActivityChartProps) {
  const spanMs = buckets.length * bucketMs;
  const tick = (ms: number) => {
    const iso = new Date(ms).toISOString();
    return spanMs > 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h` : iso.slice(11, 16);
  };
  return (
    <BarChart
      data={buckets}
      responsive
      style={{ width: '100%', height: 240 }}
      margin={{ top: 16, right: 16, bottom: 8, left: 8 }}
      title={title}
      accessibilityLayer={false}
    >
      <CartesianGrid stroke="#e4e7eb" vertical={false} />
      <XAxis dataKey="at" tickFormatter={tick} tick={AXIS} minTickGap={24} />
      <YAxis
        allowDecimals={false}
        tick={AXIS}
        width={56}
        tickFormatter={(n: number) => n.toLocaleString('en')}
      />
      <Tooltip
        labelFormatter={(ms) =>
          `${new Date(Number(ms)).toISOString().slice(0, 16).replace('T', ' ')} UTC`
        }
        formatter={(value) => [Number(value).toLocaleString('en'), 'Events']}
      />
      <Bar dataKey="events" name="Events" fill={PALETTE[0]} isAnimationActive={false} />
    </BarChart>
  );
}
