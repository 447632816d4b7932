import { useEffect, useState } from 'react';
import type { ApiGet, ApiResult } from '../api/api-client.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { erasureRows, type AuditPage, type ErasureRow } from './audit-entry.js';

/** How often the list is read again while an erasure waits for the pipeline. */
const REFRESH_MS = 1500;

/**
 * The latest 200 erasure requests and whether each was carried out, from the audit log (the API
 * keeps no other list of them): read again while one waits.
 */
export function ErasureRequests({ get, version }: { get: ApiGet; version: number }) {
  const [rows, setRows] = useState<ApiResult<ErasureRow[]>>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = (action: string) =>
      get<AuditPage>(`/v1/audit?action=${action}&limit=200`, abort.signal);
    Promise.all([read('privacy.erase.requested'), read('privacy.erase.completed')]).then(
      ([requested, completed]) => {
        if (!requested.ok) {
          setRows(requested);
          return;
        }
        if (!completed.ok) {
          setRows(completed);
          return;
        }
        const made = erasureRows(requested.value.entries, completed.value.entries);
        setRows({ ok: true, value: made });
        if (made.some((row) => row.completedAt === undefined)) {
          timer = setTimeout(() => {
            setTick((n) => n + 1);
          }, REFRESH_MS);
        }
      },
      () => undefined,
    );
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [get, version, tick]);

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
