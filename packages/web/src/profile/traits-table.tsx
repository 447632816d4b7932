import type { Profile } from '@tailor/core';
import { valueText } from '../components/value-text.js';

/**
 * The person's traits, each with where its value came from (`?provenance=true`): the source
 * (`key:NAME`, `import:FILE`, `api`, `match`), when it was set, and the message that set it.
 */
export function TraitsTable({
  traits,
  provenance = {},
}: {
  traits: Profile['traits'];
  provenance?: Profile['provenance'];
}) {
  const rows = Object.entries(traits).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return <p className="empty">No traits.</p>;
  return (
    <div className="table-wrap" role="region" aria-label="Traits and their sources" tabIndex={0}>
      <table>
        <caption className="visually-hidden">Traits</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Value</th>
            <th scope="col">Source</th>
            <th scope="col">Set at</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, value]) => {
            const from = provenance[name];
            return (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{valueText(value)}</td>
                <td className="nowrap" title={from && `message ${from.messageId}`}>
                  {from?.source ?? '—'}
                </td>
                <td className="nowrap">{from?.timestamp ?? '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
