import { useId, useState } from 'react';
import type { ActivityResult, ActivityWindow } from '@tailor/core';
import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ActivityChart } from '../charts/lazy-activity-chart.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { filtersOfReportName, liveEventsHash } from '../live/live-query.js';

const WINDOWS: { value: ActivityWindow; label: string; per: string }[] = [
  { value: 'hour', label: 'Last hour', per: 'per minute' },
  { value: 'day', label: 'Last day', per: 'per hour' },
  { value: 'week', label: 'Last week', per: 'per hour' },
];
/**
 * How often the counts are read again while the overview shows: the last hour's minutes every
 * 30 s; a day's or week's hours every 5 min (on several nodes each read goes through the log).
 */
const READ_EVERY_MS: Record<ActivityWindow, number> = { hour: 30_000, day: 300_000, week: 300_000 };

/**
 * Events over a chosen window (GET /v1/reports/activity) as bars with the same counts in a table,
 * and the top event names, each linking to the live events filtered by it; read again while shown.
 */
export function ActivitySection({ get }: { get: ApiGet }) {
  const id = useId();
  const [window, setWindow] = useState<ActivityWindow>('hour');
  const answer = useApiGet<ActivityResult>(get, `/v1/reports/activity?window=${window}&top=10`, 0, {
    while: (a) => a.ok,
    everyMs: READ_EVERY_MS[window],
  });
  const chosen = WINDOWS.find((w) => w.value === window) ?? WINDOWS[0];
  const result = answer?.ok === true ? answer.value : undefined;
  return (
    <div className="grid activity">
      <section aria-labelledby={`${id}-time`} className="wide">
        <h2 id={`${id}-time`}>Events over time</h2>
        <p className="filters-inline">
          <label htmlFor={`${id}-window`}>Window</label>
          <select
            id={`${id}-window`}
            value={window}
            onChange={(event) => {
              const picked = WINDOWS.find((w) => w.value === event.target.value);
              if (picked !== undefined) setWindow(picked.value);
            }}
          >
            {WINDOWS.map((w) => (
              <option key={w.value} value={w.value}>
                {w.label}
              </option>
            ))}
          </select>
        </p>
        {answer === undefined && <Loading what="events over time" />}
        {answer?.ok === false && (
          <ErrorMessage>The events over time could not be read: {answer.message}</ErrorMessage>
        )}
        {result !== undefined && (
          <Counts
            result={result}
            label={chosen?.label.toLowerCase() ?? ''}
            per={chosen?.per ?? ''}
          />
        )}
      </section>
      <section aria-labelledby={`${id}-top`}>
        <h2 id={`${id}-top`}>Top events</h2>
        {answer === undefined && <Loading what="the top events" />}
        {answer?.ok === false && <ErrorMessage>The top events could not be read.</ErrorMessage>}
        {result !== undefined && <TopEvents result={result} label={chosen?.label ?? ''} />}
      </section>
    </div>
  );
}

function Counts({ result, label, per }: { result: ActivityResult; label: string; per: string }) {
  const bucketMs = result.bucketSeconds * 1000;
  const buckets = result.buckets.map((b) => ({ at: Date.parse(b.at), events: b.events }));
  return (
    <>
      <p>
        <strong>{result.total.toLocaleString('en')}</strong> events in the {label}, {per}, by the
        time they happened (UTC)
        {result.read === 'log' ? ', counted from the log' : ''}.
      </p>
      {!result.complete && (
        <p className="note">
          Counted over the newest events the log read reached, not the whole window.
        </p>
      )}
      {result.total === 0 ? (
        <p className="empty">No events in the {label}.</p>
      ) : (
        <>
          <figure className="chart">
            <ActivityChart
              buckets={buckets}
              bucketMs={bucketMs}
              title={`Events ${per} over the ${label}`}
            />
            <figcaption>Events {per}, by the time they happened (UTC).</figcaption>
          </figure>
          <details>
            <summary>The counts as a table</summary>
            <div
              className="table-wrap"
              role="region"
              aria-label="Events over time table"
              tabIndex={0}
            >
              <table className="wide-table">
                <caption className="visually-hidden">Events {per}, UTC</caption>
                <thead>
                  <tr>
                    <th scope="col">From (UTC)</th>
                    <th scope="col" className="number">
                      Events
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {result.buckets.map((b) => (
                    <tr key={b.at}>
                      <td className="nowrap">{b.at.slice(0, 16).replace('T', ' ')}</td>
                      <td className="number">{b.events.toLocaleString('en')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </>
  );
}

function TopEvents({ result, label }: { result: ActivityResult; label: string }) {
  if (result.top.length === 0)
    return <p className="empty">No named events in the {label.toLowerCase()}.</p>;
  return (
    <table className="wide-table">
      <caption className="visually-hidden">The most frequent events, {label.toLowerCase()}</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col" className="number">
            Events
          </th>
          <th scope="col" className="number">
            Share
          </th>
        </tr>
      </thead>
      <tbody>
        {result.top.map((row) => (
          <tr key={row.event}>
            <td>
              <a href={liveEventsHash(filtersOfReportName(row.event))}>{row.event}</a>
            </td>
            <td className="number">{row.events.toLocaleString('en')}</td>
            <td className="number">{((row.events / result.total) * 100).toFixed(1)} %</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
