import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  LabelList,
  Legend,
  Line,
  LineChart,
  Rectangle,
  ReferenceLine,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
  type BarShapeProps,
} from 'recharts';
import { fitLabel, labelAxisWidth } from './axis-labels.js';
import type { IntervalRow } from '../experiments/experiment-results.js';
import { formatEstimate } from '../experiments/format-result.js';

// Recharts is loaded on demand (lazy-charts.tsx), so the first page stays small. Colours: the
// Okabe-Ito palette, told apart by people with any common colour vision.
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#E69F00',
  '#000000',
  '#999999',
];
const CONTROL = '#6b7280';
const INK = '#1b1f24';
const AXIS = { fontSize: 12, fill: '#4d5560' };

export interface IntervalChartProps {
  rows: IntervalRow[];
  kind: 'conversion' | 'mean';
  title: string;
}

/** Each arm's estimate (a dot) with its 95% interval (a bar), the control's estimate as a line. */
export function IntervalChart({ rows, kind, title }: IntervalChartProps) {
  const data = rows
    .filter((row) => row.estimate !== null)
    .map((row) => ({
      ...row,
      interval: row.low !== null && row.high !== null ? [row.low, row.high] : null,
    }));
  const control = rows.find((row) => row.control)?.estimate ?? null;
  const format = (value: number) => formatEstimate(value, kind);
  const labelWidth = labelAxisWidth(data.map((row) => row.id));
  return (
    <ComposedChart
      layout="vertical"
      data={data}
      responsive
      style={{ width: '100%', height: 40 + data.length * 44 }}
      margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
      title={title}
      accessibilityLayer={false}
    >
      <CartesianGrid horizontal={false} stroke="#e4e7eb" />
      <XAxis
        type="number"
        domain={['auto', 'auto']}
        tickFormatter={format}
        tick={AXIS}
        tickCount={5}
      />
      <YAxis
        type="category"
        dataKey="id"
        width={labelWidth}
        tick={AXIS}
        tickFormatter={(id: string) => fitLabel(id, labelWidth)}
      />
      <Tooltip
        formatter={(value, name) =>
          Array.isArray(value)
            ? [`${format(Number(value[0]))} to ${format(Number(value[1]))}`, name]
            : [format(Number(value)), name]
        }
      />
      {control !== null && (
        <ReferenceLine
          x={control}
          stroke={CONTROL}
          strokeDasharray="4 4"
          ifOverflow="extendDomain"
        />
      )}
      <Bar
        dataKey="interval"
        name="95 % interval"
        barSize={10}
        isAnimationActive={false}
        shape={(props: BarShapeProps) => (
          <Rectangle
            {...props}
            fill={(props.payload as IntervalRow).control ? CONTROL : PALETTE[0]}
            fillOpacity={0.55}
          />
        )}
      />
      <Scatter dataKey="estimate" name="Estimate" fill={INK} isAnimationActive={false} />
    </ComposedChart>
  );
}

export interface SharesChartProps {
  /** One row per key: `key` and each model's share. */
  rows: { key: string; shares: Record<string, number> }[];
  models: { id: string; label: string }[];
  title: string;
}

/** Each key's share of the credit under each model: bars grouped by key, one colour per model. */
export function SharesChart({ rows, models, title }: SharesChartProps) {
  const data = rows.map((row) => ({ key: row.key, ...row.shares }));
  const percent = (value: number) => `${Math.round(value * 100)} %`;
  const labelWidth = labelAxisWidth(rows.map((row) => row.key));
  return (
    <BarChart
      layout="vertical"
      data={data}
      responsive
      style={{ width: '100%', height: 72 + rows.length * (models.length * 12 + 16) }}
      margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
      title={title}
      accessibilityLayer={false}
      barGap={1}
    >
      <CartesianGrid horizontal={false} stroke="#e4e7eb" />
      <XAxis type="number" domain={[0, 'auto']} tickFormatter={percent} tick={AXIS} />
      <YAxis
        type="category"
        dataKey="key"
        width={labelWidth}
        tick={AXIS}
        tickFormatter={(key: string) => fitLabel(key, labelWidth)}
      />
      <Tooltip formatter={(value) => `${(Number(value) * 100).toFixed(1)} %`} />
      <Legend />
      {models.map((model, index) => (
        <Bar
          key={model.id}
          dataKey={model.id}
          name={model.label}
          fill={PALETTE[index % PALETTE.length]}
          barSize={10}
          isAnimationActive={false}
        />
      ))}
    </BarChart>
  );
}

export interface EffectsChartProps {
  /** One row per feature: each series' effect size (standard deviations, signed). */
  rows: { feature: string; effects: Record<string, number> }[];
  series: { id: string; label: string }[];
  title: string;
}

/**
 * What sets each persona apart: for each feature, a bar per persona of its effect size (the
 * cluster's mean minus the population's, in standard deviations), left of the zero line when low.
 */
export function EffectsChart({ rows, series, title }: EffectsChartProps) {
  const data = rows.map((row) => ({ feature: row.feature, ...row.effects }));
  const sd = (value: number) => `${value > 0 ? '+' : ''}${value.toFixed(1)} SD`;
  const labelWidth = labelAxisWidth(rows.map((row) => row.feature));
  return (
    <BarChart
      layout="vertical"
      data={data}
      responsive
      style={{ width: '100%', height: 72 + rows.length * (series.length * 12 + 16) }}
      margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
      title={title}
      accessibilityLayer={false}
      barGap={1}
    >
      <CartesianGrid horizontal={false} stroke="#e4e7eb" />
      <XAxis type="number" domain={['auto', 'auto']} tickFormatter={sd} tick={AXIS} />
      <YAxis
        type="category"
        dataKey="feature"
        width={labelWidth}
        tick={AXIS}
        tickFormatter={(feature: string) => fitLabel(feature, labelWidth)}
      />
      <ReferenceLine x={0} stroke={INK} />
      <Tooltip formatter={(value) => sd(Number(value))} />
      <Legend />
      {series.map((s, index) => (
        <Bar
          key={s.id}
          dataKey={s.id}
          name={s.label}
          fill={PALETTE[index % PALETTE.length]}
          barSize={10}
          isAnimationActive={false}
        />
      ))}
    </BarChart>
  );
}

export interface FunnelChartProps {
  /** Each step: its label (the event) and how many people reached it. */
  rows: { label: string; count: number; conversionRate: number }[];
  title: string;
}

/** How many people reached each step: one bar a step, labelled with the share of step 1. */
export function FunnelChart({ rows, title }: FunnelChartProps) {
  const data = rows.map((row, i) => ({ ...row, step: `${String(i + 1)}. ${row.label}` }));
  const labelWidth = labelAxisWidth(data.map((row) => row.step));
  return (
    <BarChart
      layout="vertical"
      data={data}
      responsive
      style={{ width: '100%', height: 56 + rows.length * 40 }}
      margin={{ top: 8, right: 56, bottom: 8, left: 8 }}
      title={title}
      accessibilityLayer={false}
    >
      <CartesianGrid horizontal={false} stroke="#e4e7eb" />
      <XAxis type="number" domain={[0, 'auto']} allowDecimals={false} tick={AXIS} />
      <YAxis
        type="category"
        dataKey="step"
        width={labelWidth}
        tick={AXIS}
        tickFormatter={(step: string) => fitLabel(step, labelWidth)}
      />
      <Tooltip formatter={(value) => `${Number(value).toLocaleString('en')} people`} />
      <Bar dataKey="count" name="People" fill={PALETTE[0]} barSize={24} isAnimationActive={false}>
        <LabelList
          dataKey="conversionRate"
          position="right"
          formatter={(value) => `${String(Math.round(Number(value) * 100))} %`}
          style={{ fontSize: 12, fill: INK }}
        />
      </Bar>
    </BarChart>
  );
}

export interface RetentionChartProps {
  /** Period n and the share retained in it (null: no cohort has reached it yet). */
  points: { period: number; rate: number | null }[];
  periodName: string;
  title: string;
}

/** The retention curve: the share of people retained in each period after their first. */
export function RetentionChart({ points, periodName, title }: RetentionChartProps) {
  const percent = (value: number) => `${String(Math.round(value * 100))} %`;
  return (
    <LineChart
      data={points}
      responsive
      style={{ width: '100%', height: 280 }}
      margin={{ top: 8, right: 16, bottom: 16, left: 8 }}
      title={title}
      accessibilityLayer={false}
    >
      <CartesianGrid stroke="#e4e7eb" />
      <XAxis
        dataKey="period"
        tick={AXIS}
        label={{ value: `${periodName} after the first`, position: 'insideBottom', offset: -8 }}
      />
      <YAxis domain={[0, 1]} tickFormatter={percent} tick={AXIS} width={48} />
      <Tooltip formatter={(value) => `${(Number(value) * 100).toFixed(1)} %`} />
      <Line
        type="linear"
        dataKey="rate"
        name="Retained"
        stroke={PALETTE[0]}
        strokeWidth={2}
        connectNulls={false}
        isAnimationActive={false}
      />
    </LineChart>
  );
}

export interface CalibrationChartProps {
  /** Held-out predictions in bins: each bin's mean prediction and the rate observed in it. */
  bins: { meanPredicted: number; observedRate: number; count: number }[];
  title: string;
}

/** Reliability: observed rate against mean prediction per bin; a calibrated model follows the diagonal. */
export function CalibrationChart({ bins, title }: CalibrationChartProps) {
  const percent = (value: number) => `${String(Math.round(value * 100))} %`;
  return (
    <ComposedChart
      data={bins}
      responsive
      style={{ width: '100%', maxWidth: 520, height: 300 }}
      margin={{ top: 8, right: 16, bottom: 24, left: 8 }}
      title={title}
      accessibilityLayer={false}
    >
      <CartesianGrid stroke="#e4e7eb" />
      <XAxis
        type="number"
        dataKey="meanPredicted"
        domain={[0, 1]}
        tickFormatter={percent}
        tick={AXIS}
        label={{ value: 'Predicted', position: 'insideBottom', offset: -12 }}
      />
      <YAxis type="number" domain={[0, 1]} tickFormatter={percent} tick={AXIS} width={48} />
      <ReferenceLine
        segment={[
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ]}
        stroke={CONTROL}
        strokeDasharray="4 4"
      />
      <Tooltip formatter={(value) => `${(Number(value) * 100).toFixed(1)} %`} />
      <Line
        type="linear"
        dataKey="observedRate"
        name="Observed"
        stroke={PALETTE[1]}
        strokeWidth={2}
        isAnimationActive={false}
      />
    </ComposedChart>
  );
}

export interface SizeChartProps {
  /** A segment's counts, oldest first: when (ms), how many, under which definition version. */
  points: { at: number; size: number; version: number }[];
  title: string;
}

/**
 * A segment's size over time: a step line (a count holds until the next), with a dashed line
 * where the definition changed, labelled with the new version.
 */
export function SizeChart({ points, title }: SizeChartProps) {
  const changes = points.filter((p, i) => i > 0 && points[i - 1]?.version !== p.version);
  const spanDays = ((points[points.length - 1]?.at ?? 0) - (points[0]?.at ?? 0)) / 86_400_000;
  const tick = (ms: number) => {
    const iso = new Date(ms).toISOString();
    return spanDays > 2 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  };
  return (
    <LineChart
      data={points}
      responsive
      style={{ width: '100%', height: 260 }}
      margin={{ top: 16, right: 16, bottom: 8, left: 8 }}
      title={title}
      accessibilityLayer={false}
    >
      <CartesianGrid stroke="#e4e7eb" />
      <XAxis
        type="number"
        dataKey="at"
        domain={['dataMin', 'dataMax']}
        scale="time"
        tickFormatter={tick}
        tick={AXIS}
        tickCount={6}
      />
      <YAxis
        allowDecimals={false}
        tick={AXIS}
        width={56}
        tickFormatter={(n: number) => n.toLocaleString('en')}
      />
      <Tooltip
        labelFormatter={(ms) => `${new Date(Number(ms)).toISOString().slice(0, 16)} UTC`}
        formatter={(value) => [Number(value).toLocaleString('en'), 'People']}
      />
      {changes.map((p) => (
        <ReferenceLine
          key={p.at}
          x={p.at}
          stroke={CONTROL}
          strokeDasharray="4 4"
          label={{ value: `v${String(p.version)}`, position: 'top', fill: INK, fontSize: 12 }}
        />
      ))}
      <Line
        type="stepAfter"
        dataKey="size"
        name="People"
        stroke={PALETTE[0]}
        strokeWidth={2}
        dot={points.length < 50}
        isAnimationActive={false}
      />
    </LineChart>
  );
}
