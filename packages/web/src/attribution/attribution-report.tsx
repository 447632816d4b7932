import { useState } from 'react';
import type { AttributionResult } from '@tailor/core';
import { SharesChart } from '../charts/lazy-charts.js';
import { formatCount } from '../experiments/format-result.js';
import { modelLabel, type AttributionForm } from './attribution-query.js';
import { KEY_COLUMN, nextSort, shareRows, sortShareRows, type ShareSort } from './share-rows.js';

/** The chart shows this many keys at most (the largest); the table lists every one. */
const CHART_KEYS = 15;

/** The report: what it was computed from, each model's shares as grouped bars and a sortable table. */
export function AttributionReport({
  result,
  asked,
}: {
  result: AttributionResult;
  asked: AttributionForm;
}) {
  const models = asked.models.filter((model) => result.models[model] !== undefined);
  const [sort, setSort] = useState<ShareSort>({
    column: models[0] ?? KEY_COLUMN,
    descending: models[0] !== undefined,
  });
  const rows = shareRows(result, models);
  const byLabel = asked.by;

  return (
    <section className="report" aria-labelledby="report-heading">
      <h2 id="report-heading">
        “{asked.conversion}” by {byLabel}
      </h2>
      <dl className="figures compact">
        <Figure label="Conversions" value={result.conversions} />
        <Figure label="With a touchpoint" value={result.attributedConversions} />
        <Figure label="Without touchpoints" value={result.conversionsWithoutTouchpoints} />
        <Figure label="People" value={result.people} />
        <Figure label="Touchpoints" value={result.touchpoints} />
      </dl>
      {result.conversions === 0 ? (
        <p className="empty" role="status">
          No “{asked.conversion}” events in the log: check the event's name (it is matched exactly).
        </p>
      ) : rows.length === 0 ? (
        <p className="empty" role="status">
          No conversion has a touchpoint before it: no page event carries{' '}
          <code>context.campaign.{asked.by === 'campaign' ? 'name' : asked.by}</code>
          {asked.lookbackDays === '' ? '' : ' within the lookback'}.
        </p>
      ) : (
        <>
          <figure className="chart">
            <SharesChart
              rows={sortShareRows(rows, sort).slice(0, CHART_KEYS)}
              models={models.map((id) => ({ id, label: modelLabel(id) }))}
              title={`Share of the credit for “${asked.conversion}” by ${byLabel}, per model`}
            />
            <figcaption>
              Share of the credit per {byLabel} under each model
              {rows.length > CHART_KEYS ? ` (the first ${CHART_KEYS} of ${rows.length})` : ''}.
            </figcaption>
          </figure>
          <SharesTable rows={rows} models={models} sort={sort} onSort={setSort} by={byLabel} />
        </>
      )}
    </section>
  );
}

function Figure({ label, value }: { label: string; value: number }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd>
        <span className="value">{formatCount(value)}</span>
      </dd>
    </div>
  );
}

function SharesTable(props: {
  rows: ReturnType<typeof shareRows>;
  models: string[];
  sort: ShareSort;
  onSort: (sort: ShareSort) => void;
  by: string;
}) {
  const { rows, models, sort, onSort, by } = props;
  const heading = (column: string, label: string) => {
    const active = sort.column === column;
    return (
      <th
        scope="col"
        key={column}
        aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}
      >
        <button
          type="button"
          className="sort"
          onClick={() => {
            onSort(nextSort(sort, column));
          }}
        >
          {label}
          <span aria-hidden="true">{active ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
        </button>
      </th>
    );
  };
  return (
    <div className="table-wrap" role="region" aria-label="Shares table" tabIndex={0}>
      <table className="shares-table">
        <caption className="visually-hidden">
          Share of the credit per {by} and model; the column headings sort
        </caption>
        <thead>
          <tr>
            {heading(KEY_COLUMN, by)}
            {models.map((model) => heading(model, modelLabel(model)))}
          </tr>
        </thead>
        <tbody>
          {sortShareRows(rows, sort).map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.key}</th>
              {models.map((model) => (
                <td key={model} className="number">
                  {((row.shares[model] ?? 0) * 100).toFixed(1)} %
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
