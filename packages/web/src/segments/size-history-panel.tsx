import { useState } from 'react';
import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { SizeChart } from '../charts/lazy-charts.js';
import { ErrorMessage, Loading } from '../components/status-message.js';

interface Sizes {
  from: string;
  to: string;
  sizes: { at: string; size: number; version: number }[];
}

const PERIODS = [
  { days: 1, label: 'Last 24 hours' },
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
  { days: 365, label: 'Last year' },
] as const;

/** The start of a period of `days` ending now, to the minute (a stable path while it shows). */
function fromOf(days: number): string {
  const minute = 60_000;
  return new Date(Math.floor((Date.now() - days * 86_400_000) / minute) * minute).toISOString();
}

/**
 * A segment's size over time (GET /v1/segments/NAME/sizes): the counts of a chosen period as a
 * step chart, definition changes marked, and the same figures as a table.
 */
export function SizeHistoryPanel({ get, name }: { get: ApiGet; name: string }) {
  const [days, setDays] = useState(30);
  const [from, setFrom] = useState(() => fromOf(30));
  const answer = useApiGet<Sizes>(
    get,
    `/v1/segments/${encodeURIComponent(name)}/sizes?${new URLSearchParams({ from }).toString()}`,
  );
  return (
    <section aria-labelledby="sizes-heading">
      <div className="section-head">
        <h2 id="sizes-heading">Size over time</h2>
        <label>
          Period{' '}
          <select
            value={days}
            onChange={(event) => {
              const chosen = Number(event.target.value);
              setDays(chosen);
              setFrom(fromOf(chosen));
            }}
          >
            {PERIODS.map((p) => (
              <option key={p.days} value={p.days}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {answer === undefined && <Loading what="the segment's size over time" />}
      {answer !== undefined && !answer.ok && (
        <ErrorMessage>The size over time could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true && <SizeHistory sizes={answer.value} />}
    </section>
  );
}

function SizeHistory({ sizes }: { sizes: Sizes }) {
  const counts = sizes.sizes;
  if (counts.length === 0) {
    return (
      <p className="empty" role="status">
        No count in this period. A segment is counted once every profile has been evaluated for its
        definition, then every hour.
      </p>
    );
  }
  const latest = counts[counts.length - 1];
  const low = Math.min(...counts.map((c) => c.size));
  const high = Math.max(...counts.map((c) => c.size));
  const people = (n: number) => (n === 1 ? '1 person' : `${n.toLocaleString('en')} people`);
  return (
    <>
      <p className="note" role="status">
        {counts.length === 1 ? '1 count' : `${counts.length.toLocaleString('en')} counts`}
        {low === high ? `, all ${people(low)}` : `, from ${people(low)} to ${people(high)}`}; the
        latest {people(latest?.size ?? 0)} at {utc(latest?.at ?? '')}.
      </p>
      <figure className="chart">
        <SizeChart
          points={counts.map((c) => ({ at: Date.parse(c.at), size: c.size, version: c.version }))}
          title="People in the segment over time"
        />
        <figcaption>
          People in the segment, counted each hour and after each change of its definition (a dashed
          line, with the new version).
        </figcaption>
      </figure>
      <details>
        <summary>The counts as a table</summary>
        <div className="table-wrap" role="region" aria-label="Counts table" tabIndex={0}>
          <table className="wide-table">
            <caption className="visually-hidden">The segment's counts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Counted (UTC)</th>
                <th scope="col" className="number">
                  People
                </th>
                <th scope="col" className="number">
                  Version
                </th>
              </tr>
            </thead>
            <tbody>
              {[...counts].reverse().map((c) => (
                <tr key={c.at}>
                  <th scope="row" className="nowrap">
                    {utc(c.at)}
                  </th>
                  <td className="number">{c.size.toLocaleString('en')}</td>
                  <td className="number">{c.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
