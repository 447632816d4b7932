import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { featureName, trainingText, type ClusteringSummary } from '../clusters/persona-effects.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { clusteringHash } from '../use-hash-route.js';

/** Every clustering (GET /v1/clusterings) with its features and last training, each linking to its personas. */
export function ClusteringsPage({ get }: { get: ApiGet }) {
  const answer = useApiGet<{ items: ClusteringSummary[] }>(get, '/v1/clusterings');

  return (
    <>
      <h1>Clusters</h1>
      {answer === undefined && <Loading what="clusterings" />}
      {answer?.ok === false && (
        <ErrorMessage>The clusterings could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true &&
        (answer.value.items.length === 0 ? (
          <p className="empty" role="status">
            No clusterings yet. A marketer or admin key defines one with{' '}
            <code>PUT /v1/clusterings/NAME</code> (docs/clusters.md).
          </p>
        ) : (
          <div className="table-wrap" role="region" aria-label="Clusterings table" tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">Clusterings, by name</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Features</th>
                  <th scope="col">Method</th>
                  <th scope="col">Last training</th>
                </tr>
              </thead>
              <tbody>
                {[...answer.value.items]
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((clustering) => (
                    <tr key={clustering.name}>
                      <th scope="row">
                        <a href={clusteringHash(clustering.name)}>{clustering.name}</a>
                      </th>
                      <td>{clustering.features.map(featureName).join(', ')}</td>
                      <td>
                        {clustering.method ?? 'kmeans'}, k {String(clustering.k ?? 'auto')}
                      </td>
                      <td>{trainingText(clustering)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
