import { describe, expect, it } from 'vitest';
import { parseMetrics, total } from './parse-metrics.js';

const TEXT = `# HELP tailor_events_rejected_total Messages refused, by reason
# TYPE tailor_events_rejected_total counter
tailor_events_rejected_total{reason="invalid"} 3
tailor_events_rejected_total{reason="blocked"} 2
tailor_log_events 1250
tailor_pipeline_lag_seconds_sum 0.5
tailor_pipeline_lag_seconds_count 4
tailor_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/x \\"q\\"",status_code="200"} 7
`;

describe('parseMetrics', () => {
  const samples = parseMetrics(TEXT);
  it('sums series, by label when asked', () => {
    expect(total(samples, 'tailor_events_rejected_total')).toBe(5);
    expect(total(samples, 'tailor_events_rejected_total', { reason: 'blocked' })).toBe(2);
    expect(total(samples, 'tailor_log_events')).toBe(1250);
    expect(total(samples, 'absent')).toBe(0);
  });
  it('reads escaped label values', () => {
    const [bucket] = samples.get('tailor_http_request_duration_seconds_bucket') ?? [];
    expect(bucket?.labels).toEqual({
      le: '0.005',
      method: 'GET',
      route: '/v1/x "q"',
      status_code: '200',
    });
  });
});
