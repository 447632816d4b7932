import type { FunnelResult } from '@tailor/core';
import { useEffect, useState, type SubmitEvent } from 'react';
import type { ApiPost, ApiResult } from '../api/api-client.js';
import { FunnelChart } from '../charts/lazy-charts.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { formatCount } from '../experiments/format-result.js';
import {
  formatDuration,
  funnelFormFromSearch,
  funnelRequestFromForm,
  ORDER_OPTIONS,
  searchFromFunnelForm,
  stepNames,
} from '../reports/funnel-query.js';

/**
 * A conversion funnel (POST /v1/reports/funnel): the steps, window and order live in the URL's
 * fragment; the answer is a bar a step with the share of step 1, and a table of every figure.
 */
export function FunnelPage({ post, search }: { post: ApiPost; search: string }) {
  const [form, setForm] = useState(() => funnelFormFromSearch(search));
  const [problem, setProblem] = useState<string>();
  const [answer, setAnswer] = useState<ApiResult<FunnelResult>>();
  const [runs, setRuns] = useState(0);
  const asked = funnelFormFromSearch(search);
  const ready = stepNames(asked.steps).length > 0;

  useEffect(() => {
    if (!ready) return;
    const abort = new AbortController();
    setAnswer(undefined);
    post<FunnelResult>(
      '/v1/reports/funnel',
      funnelRequestFromForm(funnelFormFromSearch(search)),
      abort.signal,
    ).then(setAnswer, () => undefined);
    return () => {
      abort.abort();
    };
  }, [post, search, ready, runs]);

  function run(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const missing = stepNames(form.steps).length === 0 ? 'Enter the steps’ events.' : undefined;
    setProblem(missing);
    if (missing !== undefined) return;
    const next = `#/funnel?${searchFromFunnelForm(form)}`;
    if (location.hash === next) setRuns((n) => n + 1);
    else location.hash = next;
  }

  return (
    <>
      <h1>Funnel</h1>
      <p className="note">
        How many people go from one event to the next: each step a track event (
        <code>Page Viewed</code> for pages), within a window of the first.
      </p>
      <form className="card report-form" onSubmit={run} noValidate aria-label="Funnel report">
        <div className="fields">
          <label>
            <span>Steps (one event a line)</span>
            <textarea
              name="steps"
              rows={4}
              value={form.steps}
              placeholder={'Signed Up\nPage Viewed\nSubscribed'}
              aria-invalid={problem !== undefined}
              onChange={(event) => {
                setForm({ ...form, steps: event.target.value });
              }}
            />
          </label>
          <label>
            <span>Window (days, optional)</span>
            <input
              name="windowDays"
              type="number"
              inputMode="decimal"
              value={form.windowDays}
              placeholder="30"
              onChange={(event) => {
                setForm({ ...form, windowDays: event.target.value });
              }}
            />
          </label>
          <label>
            <span>Order</span>
            <select
              name="order"
              value={form.order}
              onChange={(event) => {
                const order = ORDER_OPTIONS.find((o) => o.value === event.target.value);
                if (order !== undefined) setForm({ ...form, order: order.value });
              }}
            >
              {ORDER_OPTIONS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        {problem !== undefined && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <div>
          <button type="submit">Run report</button>
        </div>
      </form>
      {ready && answer === undefined && <Loading what="the report (the whole log is read)" />}
      {ready && answer?.ok === false && (
        <ErrorMessage>The report was refused: {answer.message}</ErrorMessage>
      )}
      {ready && answer?.ok === true && (
        <FunnelReport result={answer.value} steps={stepNames(asked.steps)} />
      )}
    </>
  );
}

function FunnelReport({ result, steps }: { result: FunnelResult; steps: string[] }) {
  const rows = result.steps.map((step, i) => ({
    ...step,
    label: steps[i] ?? `Step ${String(i + 1)}`,
  }));
  return (
    <section className="report" aria-labelledby="funnel-heading">
      <h2 id="funnel-heading">{steps.join(' → ')}</h2>
      <p>
        {formatCount(result.people)} people did at least one of the steps;{' '}
        {formatCount(rows[rows.length - 1]?.count ?? 0)} went through them all.
      </p>
      {(rows[0]?.count ?? 0) === 0 ? (
        <p className="empty" role="status">
          Nobody did “{steps[0]}”: check the event's name (it is matched exactly).
        </p>
      ) : (
        <>
          <figure className="chart">
            <FunnelChart rows={rows} title={`People reaching each step of ${steps.join(', ')}`} />
            <figcaption>People reaching each step, with the share of step 1.</figcaption>
          </figure>
          <div className="table-wrap" role="region" aria-label="Funnel table" tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">Funnel: each step's figures</caption>
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col" className="number">
                    People
                  </th>
                  <th scope="col" className="number">
                    Of step 1
                  </th>
                  <th scope="col" className="number">
                    Of the previous
                  </th>
                  <th scope="col" className="number">
                    Dropped
                  </th>
                  <th scope="col" className="number">
                    Median time from the previous
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.step}>
                    <th scope="row">
                      {row.step}. {row.label}
                    </th>
                    <td className="number">{formatCount(row.count)}</td>
                    <td className="number">{percent(row.conversionRate)}</td>
                    <td className="number">{percent(row.stepConversionRate)}</td>
                    <td className="number">{formatCount(row.dropOff)}</td>
                    <td className="number">{formatDuration(row.medianSecondsFromPrevious)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}
