import type { MetricResult, OmnibusResult } from '@tailor/core';
import { IntervalChart } from '../charts/lazy-charts.js';
import { intervalRows, type ExperimentResults } from './experiment-results.js';
import {
  formatChance,
  formatCount,
  formatEstimate,
  formatInterval,
  formatPValue,
  formatUplift,
} from './format-result.js';

/** One metric: its omnibus test, a table of every arm against the control, the interval chart. */
export function MetricSection({ results, metric }: { results: ExperimentResults; metric: string }) {
  const definition = results.metrics.find((m) => m.name === metric);
  const arms = results.variants.flatMap((variant) => {
    const result = variant.metrics[metric];
    return result === undefined ? [] : [{ id: variant.id, users: variant.users, result }];
  });
  const kind = arms[0]?.result.type ?? 'conversion';
  const id = `metric-${metric.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <section className="metric" aria-labelledby={id}>
      <h2 id={id}>
        {metric}
        {definition?.guardrail === true && <span className="badge guardrail">guardrail</span>}
      </h2>
      <p className="note">
        {describeMetric(definition)} <OmnibusText omnibus={results.omnibus[metric] ?? null} />
      </p>
      <div className="metric-body">
        <div
          className="table-wrap"
          role="region"
          aria-label={`${metric} results table`}
          tabIndex={0}
        >
          <table className="wide-table">
            <caption className="visually-hidden">
              {metric}: each arm against the control {results.control}
            </caption>
            <thead>
              <tr>
                <th scope="col">Arm</th>
                <th scope="col">People</th>
                <th scope="col">{kind === 'conversion' ? 'Converted' : 'Values'}</th>
                <th scope="col">{kind === 'conversion' ? 'Rate' : 'Mean'}</th>
                <th scope="col">95 % interval</th>
                <th scope="col">Uplift</th>
                <th scope="col">Uplift interval</th>
                <th scope="col">p-value</th>
                <th scope="col">p (Holm)</th>
                <th scope="col">Always-valid p</th>
                <th scope="col">Chance to beat control</th>
              </tr>
            </thead>
            <tbody>
              {arms.map(({ id: arm, users, result }) => (
                <ArmRow
                  key={arm}
                  arm={arm}
                  users={users}
                  result={result}
                  control={arm === results.control}
                />
              ))}
            </tbody>
          </table>
        </div>
        <figure className="chart">
          <IntervalChart
            rows={intervalRows(results, metric)}
            kind={kind}
            title={`${metric}: each arm's estimate with its 95 % interval`}
          />
          <figcaption>
            Each arm's {kind === 'conversion' ? 'rate' : 'mean'} (dot) and 95 % interval (bar); the
            dashed line is the control's.
          </figcaption>
        </figure>
      </div>
    </section>
  );
}

function ArmRow(props: { arm: string; users: number; result: MetricResult; control: boolean }) {
  const { arm, users, result, control } = props;
  const kind = result.type;
  const dash = control ? 'control' : '—';
  return (
    <tr className={control ? 'control-row' : undefined}>
      <th scope="row">{arm}</th>
      <td>{formatCount(users)}</td>
      <td>{formatCount(result.type === 'conversion' ? result.conversions : result.n)}</td>
      <td>{formatEstimate(kind === 'conversion' ? result.rate : result.mean, kind)}</td>
      <td className="nowrap">{formatInterval(result.ci, kind)}</td>
      <td>{result.uplift === null ? dash : formatUplift(result.uplift.value)}</td>
      <td className="nowrap">
        {result.uplift?.ci == null
          ? '—'
          : `${formatUplift(result.uplift.ci[0])} to ${formatUplift(result.uplift.ci[1])}`}
      </td>
      <td>{formatPValue(result.pValue)}</td>
      <td>{formatPValue(result.pValueAdjusted)}</td>
      <td>{formatPValue(result.sequential?.pValue ?? null)}</td>
      <td>{formatChance(result.chanceToBeatControl)}</td>
    </tr>
  );
}

function describeMetric(definition: ExperimentResults['metrics'][number] | undefined): string {
  if (definition === undefined) return '';
  if (definition.type === 'conversion') return `People with “${definition.event}” after exposure.`;
  if (definition.type === 'count') return `“${definition.event}” events per person.`;
  return `Mean of ${definition.property ?? 'the value'} over “${definition.event}” events.`;
}

function OmnibusText({ omnibus }: { omnibus: OmnibusResult }) {
  if (omnibus === null) return <>No test across the arms yet (too few people or values).</>;
  const name = omnibus.test === 'chi-square' ? 'Chi-square test' : "Welch's ANOVA";
  const statistic = omnibus.test === 'chi-square' ? 'χ²' : 'F';
  return (
    <>
      {name} across {omnibus.arms} arms: {statistic} = {omnibus.statistic.toFixed(2)}, p ={' '}
      {formatPValue(omnibus.pValue)}.
    </>
  );
}
