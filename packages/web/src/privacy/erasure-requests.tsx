import type { ApiGet, ApiResult } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { erasureRows, type AuditPage, type ErasureRow } from './audit-entry.js';

/** How often the list is read again while an erasure waits for the pipeline. */
const REFRESH_MS = 1500;

/**
 * The latest 200 erasure requests and whether each was carried out, from the audit log (the API
 * keeps no other list of them): read again while one waits.
 */
export function ErasureRequests({ get, version }: { get: ApiGet; version: number }) {
  const requested = useApiGet<AuditPage>(
    get,
    '/v1/audit?action=privacy.erase.requested&limit=200',
    version,
  );
  // The completions are read again while a request waits for the pipeline.
  const completed = useApiGet<AuditPage>(
    get,
    '/v1/audit?action=privacy.erase.completed&limit=200',
    version,
    {
      while: (read) =>
        requested?.ok === true &&
        read.ok &&
        erasureRows(requested.value.entries, read.value.entries).some(
          (row) => row.completedAt === undefined,
        ),
      everyMs: REFRESH_MS,
    },
  );
  const rows: ApiResult<ErasureRow[]> | undefined =
    requested === undefined || completed === undefined
      ? undefined
      : !requested.ok
        ? requested
        : !completed.ok
          ? completed
          : { ok: true, value: erasureRows(requested.value.entries, completed.value.entries) };

  return (
    <section aria-labelledby="erasures-heading">
      <h2 id="erasures-heading">Erasure requests</h2>
      {rows === undefined && <Loading what="erasure requests" />}
      {rows?.ok === false && (
        <ErrorMessage>The erasure requests could not be read: {rows.message}</ErrorMessage>
      )}
      {rows?.ok === true && rows.value.length === 0 && (
        <p className="empty">No erasure requested yet.</p>
      )}
      {rows?.ok === true && rows.value.length > 0 && (
        <div className="table-wrap" role="region" aria-label="Erasure requests table" tabIndex={0}>
          <table className="wide-table">
            <caption className="visually-hidden">Erasure requests, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Profile</th>
                <th scope="col">Requested</th>
                <th scope="col">By</th>
                <th scope="col">Carried out</th>
              </tr>
            </thead>
            <tbody>
              {rows.value.map((row) => (
                <tr key={`${row.profileId}:${row.requestedAt}`}>
                  <th scope="row">
                    <code>{row.profileId}</code>
                  </th>
                  <td className="nowrap">{row.requestedAt.slice(0, 19).replace('T', ' ')}</td>
                  <td>{row.requestedBy}</td>
                  <td className="nowrap">
                    {row.completedAt === undefined
                      ? 'waiting for the pipeline'
                      : row.completedAt.slice(0, 19).replace('T', ' ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
