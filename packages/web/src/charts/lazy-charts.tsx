import { Component, lazy, Suspense, type ReactNode } from 'react';
import type {
  CalibrationChartProps,
  EffectsChartProps,
  FunnelChartProps,
  IntervalChartProps,
  RetentionChartProps,
  SharesChartProps,
  SizeChartProps,
} from './charts.js';

// The chart library is the largest part of the dashboard: it is fetched the first time a page
// draws a chart, so signing in and the other pages load without it (docs/dashboard.md, "Size").
const charts = () => import('./charts.js');
const LazyIntervalChart = lazy(() => charts().then((m) => ({ default: m.IntervalChart })));
const LazySharesChart = lazy(() => charts().then((m) => ({ default: m.SharesChart })));
const LazyEffectsChart = lazy(() => charts().then((m) => ({ default: m.EffectsChart })));
const LazyFunnelChart = lazy(() => charts().then((m) => ({ default: m.FunnelChart })));
const LazyCalibrationChart = lazy(() => charts().then((m) => ({ default: m.CalibrationChart })));
const LazyRetentionChart = lazy(() => charts().then((m) => ({ default: m.RetentionChart })));
const LazySizeChart = lazy(() => charts().then((m) => ({ default: m.SizeChart })));

export function IntervalChart(props: IntervalChartProps) {
  return (
    <ChartFrame>
      <LazyIntervalChart {...props} />
    </ChartFrame>
  );
}

export function SharesChart(props: SharesChartProps) {
  return (
    <ChartFrame>
      <LazySharesChart {...props} />
    </ChartFrame>
  );
}

export function EffectsChart(props: EffectsChartProps) {
  return (
    <ChartFrame>
      <LazyEffectsChart {...props} />
    </ChartFrame>
  );
}

export function FunnelChart(props: FunnelChartProps) {
  return (
    <ChartFrame>
      <LazyFunnelChart {...props} />
    </ChartFrame>
  );
}

export function RetentionChart(props: RetentionChartProps) {
  return (
    <ChartFrame>
      <LazyRetentionChart {...props} />
    </ChartFrame>
  );
}

export function CalibrationChart(props: CalibrationChartProps) {
  return (
    <ChartFrame>
      <LazyCalibrationChart {...props} />
    </ChartFrame>
  );
}

export function SizeChart(props: SizeChartProps) {
  return (
    <ChartFrame>
      <LazySizeChart {...props} />
    </ChartFrame>
  );
}

/** While the library loads, a line saying so; if it cannot be loaded, a message instead of a blank page. */
export class ChartFrame extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override render() {
    if (this.state.failed) {
      return (
        <p className="error" role="alert">
          The chart could not be loaded; the table holds the same figures.
        </p>
      );
    }
    return (
      <Suspense
        fallback={
          <p className="status" role="status">
            Loading the chart…
          </p>
        }
      >
        {this.props.children}
      </Suspense>
    );
  }
}
