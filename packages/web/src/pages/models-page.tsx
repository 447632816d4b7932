import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { labelText, type StoredModel } from '../models/model-summary.js';
import { modelHash } from '../use-hash-route.js';

/** Every churn and propensity model (GET /v1/models), each linking to its versions and metrics. */
export function ModelsPage({ get }: { get: ApiGet }) {
  const answer = useApiGet<{ items: StoredModel[] }>(get, '/v1/models');

  return (
    <>
      <h1>Models</h1>
      {answer === undefined && <Loading what="models" />}
      {answer?.ok === false && (
        <ErrorMessage>The models could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true &&
        (answer.value.items.length === 0 ? (
          <p className="empty" role="status">
            No models yet. A marketer or admin key defines one with <code>PUT /v1/models/NAME</code>{' '}
            (docs/models.md); its versions and metrics show here.
          </p>
        ) : (
          <div className="table-wrap" role="region" aria-label="Models table" tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">Models, by name</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Predicts</th>
                  <th scope="col">Scoring version</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {[...answer.value.items]
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((model) => (
                    <tr key={model.name}>
                      <th scope="row">
                        <a href={modelHash(model.name)}>{model.name}</a>
                      </th>
                      <td>{labelText(model)}</td>
                      <td>{model.promoted === undefined ? 'not trained' : model.promoted}</td>
                      <td className="nowrap">{model.updatedAt.slice(0, 16).replace('T', ' ')}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
