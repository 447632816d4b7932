import { valueText } from './value-text.js';

/** A record as a two-column table, with an empty state; names sorted. */
export function KeyValueTable({
  caption,
  entries,
  empty,
  headings = ['Name', 'Value'],
}: {
  caption: string;
  entries: Record<string, unknown>;
  empty: string;
  headings?: [string, string];
}) {
  const rows = Object.entries(entries).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{headings[0]}</th>
            <th scope="col">{headings[1]}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{valueText(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
