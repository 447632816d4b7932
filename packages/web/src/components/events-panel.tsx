import { useState } from 'react';
import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from './status-message.js';
import { valueText } from './value-text.js';

const PAGE_SIZE = 50;

type Message = Record<string, unknown>;
interface Page {
  events: Message[];
  next: string | null;
}

/**
 * The person's events (GET /v1/profiles/ID/events: every userId and anonymousId they hold, merged
 * profiles' included, by the profile id, which is never masked), in log order, a page at a time.
 */
export function EventsPanel({ get, profileId }: { get: ApiGet; profileId: string }) {
  // The cursors of the pages before this one, so "Previous" can go back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor !== undefined) query.set('cursor', cursor);
  const answer = useApiGet<Page>(
    get,
    `/v1/profiles/${encodeURIComponent(profileId)}/events?${query.toString()}`,
  );
  const page = answer === undefined || answer.ok ? answer?.value : { error: answer.message };

  return (
    <section aria-labelledby="events-heading" className="events">
      <h2 id="events-heading">Events</h2>
      {page === undefined && <Loading what="events" />}
      {page !== undefined && 'error' in page && (
        <ErrorMessage>The events could not be read: {page.error}</ErrorMessage>
      )}
      {page !== undefined && 'events' in page && (
        <>
          {page.events.length === 0 ? (
            <p className="empty">No events.</p>
          ) : (
            <EventsTable events={page.events} />
          )}
          <div className="pager">
            <button
              type="button"
              disabled={cursors.length === 1}
              onClick={() => {
                setCursors(cursors.slice(0, -1));
              }}
            >
              Previous
            </button>
            <span>Page {cursors.length}</span>
            <button
              type="button"
              disabled={page.next === null}
              onClick={() => {
                if (page.next !== null) setCursors([...cursors, page.next]);
              }}
            >
              Next
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function EventsTable({ events }: { events: Message[] }) {
  return (
    // Focusable, so a keyboard can scroll it sideways on a narrow screen.
    <div className="table-wrap" role="region" aria-label="Events table" tabIndex={0}>
      <table className="events-table">
        <caption className="visually-hidden">Events, in the order they were logged</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">Event</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event, index) => (
            <tr key={typeof event.messageId === 'string' ? event.messageId : index}>
              <td className="nowrap">{valueText(event.timestamp)}</td>
              <td className="nowrap">{valueText(event.type)}</td>
              <td className="name">{valueText(event.event ?? event.name)}</td>
              <td className="details">{valueText(event.properties ?? event.traits)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
