import { lazy } from 'react';
import type { ActivityChartProps } from './activity-chart.js';
import { ChartFrame } from './lazy-charts.js';

// Fetched with the chart library the first time the overview draws it (docs/dashboard.md, "Size").
const LazyActivityChart = lazy(() =>
  import('./activity-chart.js').then((m) => ({ default: m.ActivityChart })),
);

export function ActivityChart(props: ActivityChartProps) {
  return (
    <ChartFrame>
      <LazyActivityChart {...props} />
    </ChartFrame>
  );
}
