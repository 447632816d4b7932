import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { entryText, journeyRows, type Journey, type StepCounts } from '../journeys/journey-rows.js';

/**
 * Every journey (GET /v1/journeys), each with its steps and how many people entered, wait at, went
 * past, left at and (with a goal) reached the goal at each one (GET /v1/journeys/NAME/stats).
 * Journeys are defined through the API.
 */
export function JourneysPage({ get }: { get: ApiGet }) {
  const answer = useApiGet<{ items: Journey[] }>(get, '/v1/journeys');

  return (
    <>
      <h1>Journeys</h1>
      {answer === undefined && <Loading what="journeys" />}
      {answer?.ok === false && (
        <ErrorMessage>The journeys could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true &&
        (answer.value.items.length === 0 ? (
          <p className="empty" role="status">
            No journeys yet. A marketer or admin key defines one with{' '}
            <code>PUT /v1/journeys/NAME</code> (docs/journeys.md); its steps and counts show here.
          </p>
        ) : (
          answer.value.items.map((journey) => (
            <JourneySection key={journey.name} get={get} journey={journey} />
          ))
        ))}
    </>
  );
}

function JourneySection({ get, journey }: { get: ApiGet; journey: Journey }) {
  const stats = useApiGet<{ steps: Record<string, StepCounts> }>(
    get,
    `/v1/journeys/${encodeURIComponent(journey.name)}/stats`,
  );

  const headingId = `journey-${journey.name}`;
  const withGoal = journey.goal !== undefined;
  return (
    <section aria-labelledby={headingId} className="journey">
      <h2 id={headingId}>{journey.name}</h2>
      <p className="note">
        Entered on <code>{entryText(journey.entry)}</code>
        {journey.goal !== undefined && (
          <>
            ; leaves on reaching <code>{journey.goal.event}</code>
          </>
        )}
        .
      </p>
      {stats === undefined && <Loading what="the counts" />}
      {stats?.ok === false && (
        <ErrorMessage>The counts could not be read: {stats.message}</ErrorMessage>
      )}
      {stats?.ok === true && (
        <div
          className="table-wrap"
          role="region"
          aria-label={`Steps of ${journey.name}`}
          tabIndex={0}
        >
          <table className="wide-table">
            <caption className="visually-hidden">
              Steps of {journey.name}, with how many people entered, wait at, went past and left the
              journey at each{withGoal && ', and reached its goal there'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col" className="number">
                  Entered
                </th>
                <th scope="col" className="number">
                  Waiting
                </th>
                <th scope="col" className="number">
                  Done
                </th>
                <th scope="col" className="number">
                  Left
                </th>
                {withGoal && (
                  <th scope="col" className="number">
                    Goal
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {journeyRows(journey.steps, stats.value.steps).map((row) => (
                <tr key={row.path}>
                  <th scope="row" className={`depth-${String(Math.min(row.depth, 4))}`}>
                    {row.branch !== undefined && <span className="branch">{row.branch}: </span>}
                    {row.text}
                  </th>
                  <td className="number">{row.counts.entered.toLocaleString('en')}</td>
                  <td className="number">{row.counts.waiting.toLocaleString('en')}</td>
                  <td className="number">{row.counts.done.toLocaleString('en')}</td>
                  <td className="number">{row.counts.left.toLocaleString('en')}</td>
                  {withGoal && <td className="number">{row.counts.goal.toLocaleString('en')}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
