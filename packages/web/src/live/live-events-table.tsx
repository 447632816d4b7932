import { valueText } from '../components/value-text.js';

type Message = Record<string, unknown>;

/** A message's person as a line: its userId, else its anonymousId. */
function personOf(message: Message): string {
  if (typeof message.userId === 'string') return message.userId;
  if (typeof message.anonymousId === 'string') return `${message.anonymousId} (anonymous)`;
  return '—';
}

function sourceOf(message: Message): string {
  const tailor = message.tailor;
  return typeof tailor === 'object' && tailor !== null && 'source' in tailor
    ? valueText(tailor.source)
    : '';
}

/** When, to the second, in UTC as the API gives it. */
function timeOf(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 19).replace('T', ' ') : '';
}

/** The newest events first; each event's name opens the whole message. */
export function LiveEventsTable({
  events,
  selected,
  onSelect,
}: {
  events: Message[];
  selected: string | undefined;
  onSelect: (message: Message) => void;
}) {
  return (
    // Focusable, so a keyboard can scroll it sideways on a narrow screen.
    <div className="table-wrap" role="region" aria-label="Live events table" tabIndex={0}>
      <table className="events-table">
        <caption className="visually-hidden">Events, newest first (times in UTC)</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Type</th>
            <th scope="col">Event</th>
            <th scope="col">Person</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event, index) => {
            const id = typeof event.messageId === 'string' ? event.messageId : String(index);
            const name = valueText(event.event ?? event.name) || valueText(event.type);
            return (
              <tr key={id} className={id === selected ? 'selected' : undefined}>
                <td className="nowrap">{timeOf(event.timestamp)}</td>
                <td className="nowrap">{valueText(event.type)}</td>
                <td className="name">
                  <button
                    type="button"
                    className="link"
                    aria-pressed={id === selected}
                    onClick={() => {
                      onSelect(event);
                    }}
                  >
                    {name}
                  </button>
                </td>
                <td>{personOf(event)}</td>
                <td className="nowrap">{sourceOf(event)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
