import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import type { ExperimentSummary } from '../experiments/experiment-results.js';
import { experimentHash } from '../use-hash-route.js';

/** Every experiment (GET /v1/experiments), each linking to its results. */
export function ExperimentsPage({ get }: { get: ApiGet }) {
  const answer = useApiGet<{ items: ExperimentSummary[] }>(get, '/v1/experiments');

  return (
    <>
      <h1>Experiments</h1>
      {answer === undefined && <Loading what="experiments" />}
      {answer?.ok === false && (
        <ErrorMessage>The experiments could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true &&
        (answer.value.items.length === 0 ? (
          <p className="empty" role="status">
            No experiments yet. A marketer or admin key defines one with{' '}
            <code>PUT /v1/experiments/NAME</code> (docs/experiments.md); its results show here.
          </p>
        ) : (
          <ExperimentsTable items={answer.value.items} />
        ))}
    </>
  );
}

function ExperimentsTable({ items }: { items: ExperimentSummary[] }) {
  return (
    <section aria-labelledby="experiments-heading">
      <h2 id="experiments-heading" className="visually-hidden">
        All experiments
      </h2>
      <div className="table-wrap" role="region" aria-label="Experiments table" tabIndex={0}>
        <table className="wide-table">
          <caption className="visually-hidden">Experiments, by name</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Arms</th>
              <th scope="col">Metrics</th>
              <th scope="col">Runs</th>
            </tr>
          </thead>
          <tbody>
            {[...items]
              .sort((a, b) => a.name.localeCompare(b.name))
              .map((experiment) => (
                <tr key={experiment.name}>
                  <th scope="row">
                    <a href={experimentHash(experiment.name)}>{experiment.name}</a>
                  </th>
                  <td>
                    <span className={`badge ${experiment.status}`}>{experiment.status}</span>
                  </td>
                  <td>{armsText(experiment)}</td>
                  <td>
                    {(experiment.metrics ?? []).map((metric) => metric.name).join(', ') || '—'}
                  </td>
                  <td className="nowrap">{scheduleText(experiment)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function armsText(experiment: ExperimentSummary): string {
  if (experiment.factors !== undefined) {
    return `factorial: ${experiment.factors
      .map((factor) => `${factor.name} (${factor.levels.length})`)
      .join(' × ')}`;
  }
  return (experiment.variants ?? []).map((variant) => variant.id).join(', ');
}

function scheduleText({ start, stop }: ExperimentSummary): string {
  const day = (at: string) => at.slice(0, 10);
  if (start !== undefined && stop !== undefined) return `${day(start)} to ${day(stop)}`;
  if (start !== undefined) return `from ${day(start)}`;
  if (stop !== undefined) return `until ${day(stop)}`;
  return 'always';
}
