import { useId, useState, type SubmitEvent } from 'react';
import type { ApiGet } from '../api/api-client.js';
import type { Role } from '../api/detect-role.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { LiveEventsTable } from '../live/live-events-table.js';
import {
  liveEventsHash,
  liveEventsPath,
  liveSearch,
  MESSAGE_TYPES,
  NO_FILTERS,
  parseLiveFilters,
  type LiveFilters,
} from '../live/live-query.js';
import { MessageDetail } from '../live/message-detail.js';

const PAGE_SIZE = 50;
/** How often the newest page is read again while following. */
const LIVE_MS = 3000;

type Message = Record<string, unknown>;
interface Page {
  events: Message[];
  next: string | null;
}

/**
 * The newest events of the whole installation (GET /v1/events?order=desc), read again every 3 s
 * while following, filtered by type, event name, person and source (the filters are in the
 * address); Older pages back through the cursor, which pauses following. An event's name opens
 * the whole message, masked as the API masks it for the key's role.
 */
export function EventsPage({ get, role, search }: { get: ApiGet; role: Role; search: string }) {
  const id = useId();
  const filters = parseLiveFilters(search);
  const [draft, setDraft] = useState<LiveFilters>(filters);
  // The cursor of each page read so far; the last is the page shown (undefined: the newest).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [paused, setPaused] = useState(false);
  const [selected, setSelected] = useState<Message>();
  const newest = cursors.length === 1;
  const following = newest && !paused;
  const answer = useApiGet<Page>(
    get,
    liveEventsPath(filters, PAGE_SIZE, cursors[cursors.length - 1]),
    0,
    following ? { while: (a) => a.ok, everyMs: LIVE_MS } : undefined,
  );
  const filtered = liveSearch(filters) !== '';

  function apply(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    location.hash = liveEventsHash(draft);
  }

  const text = (name: 'event' | 'source', label: string, hint: string) => (
    <p>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        value={draft[name]}
        placeholder={hint}
        onChange={(e) => {
          setDraft({ ...draft, [name]: e.target.value });
        }}
      />
    </p>
  );

  return (
    <>
      <h1>Live events</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter the events">
        <p>
          <label htmlFor={`${id}-type`}>Type</label>
          <select
            id={`${id}-type`}
            value={draft.type}
            onChange={(e) => {
              setDraft({ ...draft, type: e.target.value });
            }}
          >
            <option value="">Any</option>
            {MESSAGE_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </p>
        {text('event', 'Event or page name', 'Order Completed')}
        <p>
          <label htmlFor={`${id}-person`}>Person</label>
          <span className="filters-inline">
            <select
              aria-label="Identifier"
              value={draft.kind}
              onChange={(e) => {
                setDraft({ ...draft, kind: e.target.value as LiveFilters['kind'] });
              }}
            >
              <option value="userId">userId</option>
              <option value="anonymousId">anonymousId</option>
            </select>
            <input
              id={`${id}-person`}
              value={draft.person}
              placeholder="user-1001"
              onChange={(e) => {
                setDraft({ ...draft, person: e.target.value });
              }}
            />
          </span>
        </p>
        {text('source', 'Source', 'key:web')}
        <div className="actions">
          <button type="submit">Filter</button>
          {filtered && (
            <button
              type="button"
              className="quiet"
              onClick={() => {
                setDraft(NO_FILTERS);
                location.hash = liveEventsHash({});
              }}
            >
              Clear
            </button>
          )}
        </div>
      </form>
      <div className="pager">
        <button
          type="button"
          aria-pressed={following}
          disabled={!newest}
          onClick={() => {
            setPaused(!paused);
          }}
        >
          {following ? 'Pause' : 'Follow live'}
        </button>
        <span className="note">
          {following
            ? `Newest first, read again every ${String(LIVE_MS / 1000)} s`
            : newest
              ? 'Paused'
              : 'Paused while reading older events'}
        </span>
        {role !== 'admin' && (
          <span className="note">Personal data is masked for a {role} key.</span>
        )}
      </div>
      {answer === undefined && <Loading what="events" />}
      {answer?.ok === false && (
        <ErrorMessage>The events could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true && (
        <>
          {answer.value.events.length === 0 ? (
            <p className="empty">
              {filtered ? 'No event matches these filters' : 'No events yet'}
              {answer.value.next === null
                ? '.'
                : ' among the events searched: Older searches further back.'}
            </p>
          ) : (
            <LiveEventsTable
              events={answer.value.events}
              selected={typeof selected?.messageId === 'string' ? selected.messageId : undefined}
              onSelect={setSelected}
            />
          )}
          {answer.value.events.length > 0 &&
            answer.value.events.length < PAGE_SIZE &&
            answer.value.next !== null && (
              <p className="note">
                Fewer than {PAGE_SIZE} events matched among the events searched: Older searches
                further back.
              </p>
            )}
          <div className="pager">
            <button
              type="button"
              disabled={newest}
              onClick={() => {
                setCursors([undefined]);
              }}
            >
              Newest
            </button>
            <span>Page {cursors.length}</span>
            <button
              type="button"
              disabled={answer.value.next === null}
              onClick={() => {
                const next = answer.value.next;
                if (next !== null) setCursors([...cursors, next]);
              }}
            >
              Older
            </button>
          </div>
        </>
      )}
      {selected !== undefined && (
        <MessageDetail
          message={selected}
          onClose={() => {
            setSelected(undefined);
          }}
        />
      )}
    </>
  );
}
