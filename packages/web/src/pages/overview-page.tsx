import { useEffect, useRef, useState } from 'react';
import type { ApiGet, ApiGetText } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { ActivitySection } from '../overview/activity-section.js';
import { parseMetrics, total, type MetricSamples } from '../overview/parse-metrics.js';

const POLL_MS = 10_000;

interface Sample {
  at: number;
  metrics: MetricSamples;
}

interface Counts {
  segments: number;
  computed: number;
}

/**
 * What the API tells about the whole installation: GET /metrics (Prometheus text, for any key that
 * may read) read every 10 s, events per minute from the difference between two reads, and the
 * definitions' counts; then events over a chosen window and the top events
 * (GET /v1/reports/activity).
 */
export function OverviewPage({ get, getText }: { get: ApiGet; getText: ApiGetText }) {
  const [samples, setSamples] = useState<{ now?: Sample; before?: Sample; error?: string }>({});
  const latest = useRef<Sample>(undefined);

  useEffect(() => {
    const abort = new AbortController();
    async function read() {
      try {
        const response = await getText('/metrics', abort.signal);
        if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
        const sample = { at: Date.now(), metrics: parseMetrics(await response.text()) };
        setSamples({ now: sample, before: latest.current });
        latest.current = sample;
      } catch (error) {
        if (!abort.signal.aborted) setSamples((s) => ({ ...s, error: String(error) }));
      }
    }
    void read();
    const timer = setInterval(() => void read(), POLL_MS);
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }, [getText]);

  const segments = useApiGet<{ items: unknown[] }>(get, '/v1/segments');
  const computed = useApiGet<{ items: unknown[] }>(get, '/v1/computed-traits');
  const counts: Counts | undefined =
    segments?.ok === true && computed?.ok === true
      ? { segments: segments.value.items.length, computed: computed.value.items.length }
      : undefined;

  return (
    <>
      <h1>Overview</h1>
      {samples.error !== undefined && (
        <ErrorMessage>The server's metrics could not be read: {samples.error}</ErrorMessage>
      )}
      {samples.now === undefined ? (
        samples.error === undefined && <Loading what="metrics" />
      ) : (
        <Figures now={samples.now} before={samples.before} counts={counts} />
      )}
      <ActivitySection get={get} />
      <p className="note">
        Find a person with the search box: an email address, TYPE:VALUE or a userId, then Enter.
      </p>
    </>
  );
}

function Figures({ now, before, counts }: { now: Sample; before?: Sample; counts?: Counts }) {
  const m = now.metrics;
  const perMinute =
    before === undefined
      ? undefined
      : ((total(m, 'tailor_events_received_total') -
          total(before.metrics, 'tailor_events_received_total')) /
          (now.at - before.at)) *
        60_000;
  const lagCount = total(m, 'tailor_pipeline_lag_seconds_count');
  const lag = lagCount === 0 ? undefined : total(m, 'tailor_pipeline_lag_seconds_sum') / lagCount;
  const figures: [string, string, string?][] = [
    ['Events in the log', number(total(m, 'tailor_log_events'))],
    [
      'Received per minute',
      perMinute === undefined ? '—' : number(Math.round(perMinute)),
      perMinute === undefined ? 'shown after the next read, in 10 s' : 'over the last 10 s',
    ],
    ['Received since start', number(total(m, 'tailor_events_received_total'))],
    ['Pipeline behind', number(total(m, 'tailor_pipeline_behind_events')), 'events not yet folded'],
    ['Pipeline lag', lag === undefined ? '—' : `${(lag * 1000).toFixed(0)} ms`, 'mean since start'],
    [
      'Rejected as invalid',
      number(total(m, 'tailor_events_rejected_total', { reason: 'invalid' })),
    ],
    [
      'Tracking-plan violations',
      number(total(m, 'tailor_events_rejected_total', { reason: 'blocked' })),
      'blocked since start',
    ],
    ['Too large', number(total(m, 'tailor_events_rejected_total', { reason: 'too_large' }))],
    ['Duplicates', number(total(m, 'tailor_events_duplicate_total')), 'same messageId'],
  ];
  if (counts !== undefined) {
    figures.push(
      ['Segments', number(counts.segments)],
      ['Computed traits', number(counts.computed)],
    );
  }
  return (
    <dl className="figures">
      {figures.map(([label, value, hint]) => (
        <div key={label} className="figure">
          <dt>{label}</dt>
          <dd>
            <span className="value">{value}</span>
            {hint !== undefined && <span className="hint">{hint}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function number(value: number): string {
  return value.toLocaleString('en');
}
