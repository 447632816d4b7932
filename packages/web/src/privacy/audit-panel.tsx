import { useId, useState, type SubmitEvent } from 'react';
import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import type { AuditPage } from './audit-entry.js';

const PAGE_SIZE = 50;

interface Filters {
  action: string;
  key: string;
  profileId: string;
}

const NO_FILTERS: Filters = { action: '', key: '', profileId: '' };

/**
 * The audit log (GET /v1/audit, admin), newest first, 50 a page: Older follows the API's cursor,
 * Newer goes back through the cursors already followed. Filters by action, key name and profile.
 */
export function AuditPanel({ get }: { get: ApiGet }) {
  const id = useId();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // The cursor of each page read so far; the last is the page shown (undefined: the newest).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  // Applying the filters reads again even when they are unchanged (the log grows).
  const [applied, setApplied] = useState(0);
  const cursor = cursors[cursors.length - 1];
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const name of ['action', 'key', 'profileId'] as const) {
    const value = filters[name].trim();
    if (value !== '') query.set(name, value);
  }
  if (cursor !== undefined) query.set('cursor', cursor);
  const answer = useApiGet<AuditPage>(get, `/v1/audit?${query.toString()}`, applied);

  function apply(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
    setApplied((n) => n + 1);
  }

  const field = (name: keyof Filters, label: string, hint: string) => (
    <p>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        value={draft[name]}
        placeholder={hint}
        onChange={(event) => {
          setDraft({ ...draft, [name]: event.target.value });
        }}
      />
    </p>
  );
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Audit log</h2>
      <form className="filters" onSubmit={apply} aria-label="Filter the audit log">
        {field('action', 'Action', 'profile.read')}
        {field('key', 'Key name', 'default-admin')}
        {field('profileId', 'Profile id', 'p_…')}
        <div className="actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      {answer === undefined && <Loading what="the audit log" />}
      {answer?.ok === false && (
        <ErrorMessage>The audit log could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true && answer.value.entries.length === 0 && (
        <p className="empty">No entries{cursors.length > 1 ? ' on this page' : ''}.</p>
      )}
      {answer?.ok === true && answer.value.entries.length > 0 && (
        <div className="table-wrap" role="region" aria-label="Audit log table" tabIndex={0}>
          <table className="wide-table">
            <caption className="visually-hidden">Audit log, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Key</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Request</th>
                <th scope="col" className="number">
                  Status
                </th>
              </tr>
            </thead>
            <tbody>
              {answer.value.entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="nowrap">{entry.at.slice(0, 19).replace('T', ' ')}</td>
                  <td>
                    {entry.key}
                    {entry.role !== null && <span className="note"> ({entry.role})</span>}
                  </td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>
                    <code>{entry.target}</code>
                  </td>
                  <td>
                    {entry.method === null ? 'pipeline' : `${entry.method} ${entry.route ?? ''}`}
                  </td>
                  <td className="number">{entry.status ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions pager">
        <button
          type="button"
          className="quiet"
          disabled={cursors.length <= 1}
          onClick={() => {
            setCursors(cursors.slice(0, -1));
          }}
        >
          Newer
        </button>
        <button
          type="button"
          className="quiet"
          disabled={answer?.ok !== true || answer.value.next === null}
          onClick={() => {
            if (answer?.ok === true && answer.value.next !== null)
              setCursors([...cursors, answer.value.next]);
          }}
        >
          Older
        </button>
        <span className="note">Page {cursors.length}</span>
      </div>
    </section>
  );
}
