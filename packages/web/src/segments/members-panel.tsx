import { useState } from 'react';
import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { profileHash } from '../use-hash-route.js';

const PAGE_SIZE = 50;

interface Page {
  profiles: string[];
  count: number;
  next: string | null;
}

/** Who is in a segment now (GET /v1/segments/NAME/members), 50 at a time, each linking to the profile. */
export function MembersPanel({ get, name }: { get: ApiGet; name: string }) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor !== undefined) query.set('cursor', cursor);
  const answer = useApiGet<Page>(
    get,
    `/v1/segments/${encodeURIComponent(name)}/members?${query.toString()}`,
  );
  const page = answer === undefined || answer.ok ? answer?.value : { error: answer.message };

  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      {page === undefined && <Loading what="members" />}
      {page !== undefined && 'error' in page && (
        <ErrorMessage>The members could not be read: {page.error}</ErrorMessage>
      )}
      {page !== undefined && 'profiles' in page && (
        <>
          <p className="note" role="status">
            {page.count === 1 ? '1 person' : `${page.count.toLocaleString('en')} people`} in the
            segment now.
          </p>
          {page.profiles.length > 0 && (
            <ul className="members">
              {page.profiles.map((id) => (
                <li key={id}>
                  <a href={profileHash(id)}>
                    <code>{id}</code>
                  </a>
                </li>
              ))}
            </ul>
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
