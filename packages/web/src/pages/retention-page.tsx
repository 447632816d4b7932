import type { RetentionResult } from '@tailor/core';
import { useEffect, useState, type SubmitEvent } from 'react';
import type { ApiPost, ApiResult } from '../api/api-client.js';
import { RetentionChart } from '../charts/lazy-charts.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { formatCount } from '../experiments/format-result.js';
import {
  PERIOD_OPTIONS,
  retentionCurve,
  retentionFormFromSearch,
  retentionRequestFromForm,
  searchFromRetentionForm,
  type RetentionForm,
} from '../reports/retention-query.js';

/**
 * Retention by cohort (POST /v1/reports/retention): the form lives in the URL's fragment; the
 * answer is the curve over every cohort and the matrix, each cell shaded by its rate.
 */
export function RetentionPage({ post, search }: { post: ApiPost; search: string }) {
  const [form, setForm] = useState(() => retentionFormFromSearch(search));
  const [problem, setProblem] = useState<string>();
  const [answer, setAnswer] = useState<ApiResult<RetentionResult>>();
  const [runs, setRuns] = useState(0);
  const asked = retentionFormFromSearch(search);
  const ready = asked.start.trim() !== '';

  useEffect(() => {
    if (!ready) return;
    const abort = new AbortController();
    setAnswer(undefined);
    post<RetentionResult>(
      '/v1/reports/retention',
      retentionRequestFromForm(retentionFormFromSearch(search)),
      abort.signal,
    ).then(setAnswer, () => undefined);
    return () => {
      abort.abort();
    };
  }, [post, search, ready, runs]);

  function run(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const missing = form.start.trim() === '' ? 'Enter the start event.' : undefined;
    setProblem(missing);
    if (missing !== undefined) return;
    const next = `#/retention?${searchFromRetentionForm(form)}`;
    if (location.hash === next) setRuns((n) => n + 1);
    else location.hash = next;
  }

  const field = (name: 'start' | 'returnEvent' | 'periods', label: string, hint: string) => (
    <label>
      <span>{label}</span>
      <input
        name={name}
        value={form[name]}
        placeholder={hint}
        {...(name === 'periods' && { type: 'number', inputMode: 'numeric' as const })}
        aria-invalid={name === 'start' && problem !== undefined}
        onChange={(event) => {
          setForm({ ...form, [name]: event.target.value });
        }}
      />
    </label>
  );
  return (
    <>
      <h1>Retention</h1>
      <p className="note">
        Of the people who first did the start event in a period, how many came back with the return
        event in each period after.
      </p>
      <form className="card report-form" onSubmit={run} noValidate aria-label="Retention report">
        <div className="fields">
          {field('start', 'Start event', 'Signed Up')}
          {field('returnEvent', 'Return event (optional)', 'the start event; * for any')}
          <label>
            <span>Period</span>
            <select
              name="period"
              value={form.period}
              onChange={(event) => {
                const period = PERIOD_OPTIONS.find((o) => o.value === event.target.value);
                if (period !== undefined) setForm({ ...form, period: period.value });
              }}
            >
              {PERIOD_OPTIONS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          {field('periods', 'Periods after the first (optional)', '12')}
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
      {ready && answer?.ok === true && <RetentionReport result={answer.value} asked={asked} />}
    </>
  );
}

function RetentionReport({ result, asked }: { result: RetentionResult; asked: RetentionForm }) {
  const periodName = PERIOD_OPTIONS.find((o) => o.value === result.period)?.label ?? 'Periods';
  const width = Math.max(0, ...result.cohorts.map((cohort) => cohort.retained.length));
  const returning = asked.returnEvent.trim() === '' ? asked.start : asked.returnEvent;
  return (
    <section className="report" aria-labelledby="retention-heading">
      <h2 id="retention-heading">
        “{asked.start}”, then “{returning}”
      </h2>
      <p>
        {formatCount(result.people)} people in {result.cohorts.length}{' '}
        {result.cohorts.length === 1 ? 'cohort' : 'cohorts'}.
      </p>
      {result.cohorts.length === 0 ? (
        <p className="empty" role="status">
          Nobody did “{asked.start}”: check the event's name (it is matched exactly).
        </p>
      ) : (
        <>
          <figure className="chart">
            <RetentionChart
              points={retentionCurve(result)}
              periodName={periodName.split(' ')[0] ?? periodName}
              title={`Share of people retained in each ${result.period} after their first`}
            />
            <figcaption>
              Share of people retained in each {result.period} after their first, over the cohorts
              that have reached it.
            </figcaption>
          </figure>
          <div className="table-wrap" role="region" aria-label="Cohorts table" tabIndex={0}>
            <table className="wide-table cohorts">
              <caption className="visually-hidden">
                Cohorts: each one's size and the share retained in each {result.period} after
              </caption>
              <thead>
                <tr>
                  <th scope="col">Cohort</th>
                  <th scope="col" className="number">
                    People
                  </th>
                  {Array.from({ length: width }, (_, n) => (
                    <th key={n} scope="col" className="number">
                      {n}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {result.cohorts.map((cohort) => (
                  <tr key={cohort.start}>
                    <th scope="row" className="nowrap">
                      {cohort.start.slice(0, 10)}
                    </th>
                    <td className="number">{formatCount(cohort.size)}</td>
                    {Array.from({ length: width }, (_, n) => {
                      const rate = cohort.rates[n] ?? null;
                      const retained = cohort.retained[n] ?? null;
                      return (
                        <td
                          key={n}
                          className={`number heat-${String(heatLevel(rate))}`}
                          title={retained === null ? 'not begun' : `${String(retained)} people`}
                        >
                          {rate === null ? '' : `${(rate * 100).toFixed(0)} %`}
                        </td>
                      );
                    })}
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

/** The shade of a cell: 0 (none, or not begun) to 5, by fifths of the rate. */
function heatLevel(rate: number | null): number {
  if (rate === null || rate <= 0) return 0;
  return Math.min(5, Math.ceil(rate * 5));
}
