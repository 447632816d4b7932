import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { healthText, whereText, type DestinationView } from '../destinations/destination-view.js';
import { destinationHash } from '../use-hash-route.js';

/** Every destination (GET /v1/destinations) with its delivery counts, each linking to its deliveries. */
export function DestinationsPage({ get }: { get: ApiGet }) {
  const answer = useApiGet<{ items: DestinationView[] }>(get, '/v1/destinations');

  return (
    <>
      <h1>Destinations</h1>
      {answer === undefined && <Loading what="destinations" />}
      {answer?.ok === false && (
        <ErrorMessage>The destinations could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true &&
        (answer.value.items.length === 0 ? (
          <p className="empty" role="status">
            No destinations yet. A marketer or admin key defines one with{' '}
            <code>PUT /v1/destinations/NAME</code> (docs/destinations.md).
          </p>
        ) : (
          <div className="table-wrap" role="region" aria-label="Destinations table" tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">
                Destinations, those with failed, then waiting deliveries first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Sends to</th>
                  <th scope="col">Events</th>
                  <th scope="col">Deliveries</th>
                </tr>
              </thead>
              <tbody>
                {[...answer.value.items]
                  .sort(
                    (a, b) =>
                      b.deliveries.failed - a.deliveries.failed ||
                      b.deliveries.pending - a.deliveries.pending ||
                      a.name.localeCompare(b.name),
                  )
                  .map((destination) => (
                    <tr key={destination.name}>
                      <th scope="row">
                        <a href={destinationHash(destination.name)}>{destination.name}</a>
                      </th>
                      <td>{destination.type}</td>
                      <td>
                        <code>{whereText(destination)}</code>
                      </td>
                      <td>{destination.events.join(', ')}</td>
                      <td className={destination.deliveries.failed > 0 ? 'bad' : undefined}>
                        {healthText(destination)}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
