import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { metricNames, type ExperimentResults } from '../experiments/experiment-results.js';
import { FactorialSection } from '../experiments/factorial-section.js';
import { formatCount, formatPValue } from '../experiments/format-result.js';
import { MetricSection } from '../experiments/metric-section.js';

/**
 * An experiment's results (GET /v1/experiments/NAME/results): the sample ratio check first, then
 * per metric the omnibus test, a table of the arms against the control and an interval chart.
 */
export function ExperimentPage({ get, name }: { get: ApiGet; name: string }) {
  const answer = useApiGet<ExperimentResults>(
    get,
    `/v1/experiments/${encodeURIComponent(name)}/results`,
  );

  return (
    <article className="experiment">
      <p className="crumbs">
        <a href="#/experiments">All experiments</a>
      </p>
      <h1>
        Experiment <code>{name}</code>
      </h1>
      {answer === undefined && <Loading what="the results (the whole log is read)" />}
      {answer?.ok === false &&
        (answer.status === 404 ? (
          <ErrorMessage>
            There is no experiment named “{name}”. <a href="#/experiments">See the experiments</a>.
          </ErrorMessage>
        ) : (
          <ErrorMessage>The results could not be read: {answer.message}</ErrorMessage>
        ))}
      {answer?.ok === true && <Results results={answer.value} />}
    </article>
  );
}

/** Where the results were read from, as the note says it. */
function readFrom({ source, eventsRead }: ExperimentResults): string {
  if (source !== 'projection') return `from ${formatCount(eventsRead)} events`;
  return eventsRead === 0
    ? 'from the reports projection'
    : `from the reports projection and ${formatCount(eventsRead)} events not yet in it`;
}

function Results({ results }: { results: ExperimentResults }) {
  const assigned = results.variants.reduce((sum, variant) => sum + variant.users, 0);
  const metrics = metricNames(results);
  return (
    <>
      <p className="note">
        {formatCount(assigned)} people assigned ({formatCount(results.exposures)} exposures) across{' '}
        {results.variants.length} arms, against the control <strong>{results.control}</strong>;
        computed {results.computedAt} {readFrom(results)}.
      </p>
      <SrmNotice results={results} />
      {assigned === 0 ? (
        <p className="empty" role="status">
          No one has been exposed yet: results appear once <code>Experiment Viewed</code> events
          arrive (from <code>POST /v1/experiments/{results.experiment}/assign</code> or your own
          client).
        </p>
      ) : metrics.length === 0 ? (
        <p className="empty" role="status">
          This experiment has no metrics: define some to compare its arms.
        </p>
      ) : (
        metrics.map((metric) => <MetricSection key={metric} results={results} metric={metric} />)
      )}
      {assigned > 0 && results.factorial !== undefined && (
        <FactorialSection factorial={results.factorial} />
      )}
    </>
  );
}

function SrmNotice({ results: { srm, variants } }: { results: ExperimentResults }) {
  if (!srm.ok) {
    return (
      <div className="warning" role="alert">
        <strong>Sample ratio mismatch.</strong> The people in each arm (
        {variants.map((variant) => `${variant.id}: ${formatCount(variant.users)}`).join(', ')}) are
        not in the proportions of the weights (χ² = {srm.chiSquare?.toFixed(2) ?? '—'}, p ={' '}
        {formatPValue(srm.pValue)}). Something between assignment and the exposure events drops or
        adds people in one arm: find the cause before trusting these results.
      </div>
    );
  }
  return (
    <p className="note">
      {srm.pValue === null
        ? 'Sample ratio check: not enough people yet.'
        : `Sample ratio check passed (p = ${formatPValue(srm.pValue)}).`}
    </p>
  );
}
