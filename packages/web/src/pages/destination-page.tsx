import { useId, useState } from 'react';
import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import {
  healthText,
  whereText,
  type DeliveryStatus,
  type DeliveryView,
  type DestinationView,
} from '../destinations/destination-view.js';

const STATUSES: readonly { value: DeliveryStatus | ''; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'failed', label: 'Failed (gave up)' },
  { value: 'pending', label: 'Waiting (to be retried)' },
  { value: 'delivered', label: 'Delivered' },
];

/**
 * One destination's delivery status: its counts, and its 100 latest deliveries (or only those of
 * one status), each with its attempts, when it is retried next, and why the last attempt failed.
 */
export function DestinationPage({ get, name }: { get: ApiGet; name: string }) {
  const id = useId();
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const path = `/v1/destinations/${encodeURIComponent(name)}`;
  const destination = useApiGet<DestinationView>(get, path);
  const deliveries = useApiGet<{ deliveries: DeliveryView[] }>(
    get,
    `${path}/deliveries${status === '' ? '' : `?status=${status}`}`,
  );

  if (destination === undefined) return <Loading what="the destination" />;
  if (!destination.ok) {
    return (
      <>
        <h1>Destination {name}</h1>
        <ErrorMessage>The destination could not be read: {destination.message}</ErrorMessage>
        <p>
          <a href="#/destinations">All destinations</a>
        </p>
      </>
    );
  }
  const d = destination.value;
  return (
    <article>
      <h1>Destination {d.name}</h1>
      <p className="note">
        A {d.type} sending {d.events.join(', ')} to <code>{whereText(d)}</code>, for the {d.purpose}{' '}
        purpose, personal data {d.pii}. <a href="#/destinations">All destinations</a>
      </p>
      <p className={d.deliveries.failed > 0 ? 'bad' : undefined}>{healthText(d)}.</p>
      <section aria-labelledby={`${id}-heading`}>
        <h2 id={`${id}-heading`}>Deliveries</h2>
        <p className="filters-inline">
          <label htmlFor={`${id}-status`}>Show </label>
          <select
            id={`${id}-status`}
            value={status}
            onChange={(event) => {
              const chosen = STATUSES.find((s) => s.value === event.target.value);
              if (chosen !== undefined) setStatus(chosen.value);
            }}
          >
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </p>
        {deliveries === undefined && <Loading what="deliveries" />}
        {deliveries?.ok === false && (
          <ErrorMessage>The deliveries could not be read: {deliveries.message}</ErrorMessage>
        )}
        {deliveries?.ok === true && deliveries.value.deliveries.length === 0 && (
          <p className="empty">No deliveries{status === '' ? ' yet' : ' of this status'}.</p>
        )}
        {deliveries?.ok === true && deliveries.value.deliveries.length > 0 && (
          <div className="table-wrap" role="region" aria-label="Deliveries table" tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">The latest deliveries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="number">
                    Attempts
                  </th>
                  <th scope="col">Last error</th>
                  <th scope="col">Delivered or next try</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.value.deliveries.map((delivery) => (
                  <tr key={delivery.id}>
                    <td className="nowrap">{short(delivery.createdAt)}</td>
                    <td>{delivery.event ?? 'identify or other'}</td>
                    <td className={delivery.status === 'failed' ? 'bad' : undefined}>
                      {delivery.status}
                    </td>
                    <td className="number">{delivery.attempts}</td>
                    <td>{delivery.lastError ?? ''}</td>
                    <td className="nowrap">
                      {delivery.deliveredAt !== null
                        ? short(delivery.deliveredAt)
                        : delivery.nextAttemptAt !== null
                          ? `next ${short(delivery.nextAttemptAt)}`
                          : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </article>
  );
}

function short(time: string): string {
  return time.slice(0, 19).replace('T', ' ');
}
