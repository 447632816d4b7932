import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { METHOD_TEXT, type StoredRecommender } from '../recommend/stored-recommender.js';
import { recommenderHash } from '../use-hash-route.js';

/** Every recommender (GET /v1/recommenders) with its model, each linking to its page. */
export function RecommendersPage({ get }: { get: ApiGet }) {
  const answer = useApiGet<{ items: StoredRecommender[] }>(get, '/v1/recommenders');

  return (
    <>
      <h1>Recommendations</h1>
      {answer === undefined && <Loading what="recommenders" />}
      {answer?.ok === false && (
        <ErrorMessage>The recommenders could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true &&
        (answer.value.items.length === 0 ? (
          <p className="empty" role="status">
            No recommenders yet. A marketer or admin key defines one with{' '}
            <code>PUT /v1/recommenders/NAME</code> (docs/recommendations.md).
          </p>
        ) : (
          <div className="table-wrap" role="region" aria-label="Recommenders table" tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">Recommenders, by name</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Method</th>
                  <th scope="col">Model</th>
                </tr>
              </thead>
              <tbody>
                {[...answer.value.items]
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((recommender) => (
                    <tr key={recommender.name}>
                      <th scope="row">
                        <a href={recommenderHash(recommender.name)}>{recommender.name}</a>
                      </th>
                      <td>{METHOD_TEXT[recommender.method]}</td>
                      <td>{modelText(recommender)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}

export function modelText({ model, training }: StoredRecommender): string {
  const running =
    training === undefined
      ? ''
      : ` (training: ${training.done.toLocaleString('en')} of ${training.total.toLocaleString('en')} read)`;
  if (model === undefined) return `not trained yet${running}`;
  return `trained ${model.trainedAt.slice(0, 16).replace('T', ' ')}: ${model.people.toLocaleString('en')} people, ${model.items.toLocaleString('en')} items${running}`;
}
