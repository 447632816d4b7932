import type { Profile } from '@tailor/core';
import { useEffect, useState } from 'react';
import type { ApiPost } from '../api/api-client.js';
import { ErrorMessage } from '../components/status-message.js';

/** A person found, and the `TYPE:VALUE` the privacy routes are asked with. */
export interface PersonFound {
  profile: Profile;
  identifier: string;
}

/** The identifier a found person is asked for by: the one that found them, else their first. */
export function identifierOf(profile: Profile, found?: string): string | undefined {
  const first = profile.identifiers[0];
  return found ?? (first && `${first.type}:${first.value}`);
}

interface Exported {
  events: unknown[];
  decisions: unknown[];
  memberships: unknown[];
  merges: unknown[];
  audit: unknown[];
}

type Done =
  | { kind: 'exported'; counts: Exported; url: string; file: string }
  | { kind: 'erased'; requestId: string; profileId: string };

/**
 * Export (POST /v1/privacy/export, downloaded as a JSON file) and erasure (POST
 * /v1/privacy/erase, after a confirmation naming who and what it does) of one person: admin only,
 * on the privacy page and on the profile page.
 */
export function PersonActions({
  post,
  person,
  onErased,
}: {
  post: ApiPost;
  person: PersonFound;
  onErased?: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<Done>();
  const download = done?.kind === 'exported' ? done.url : undefined;
  useEffect(
    () => () => {
      if (download !== undefined) URL.revokeObjectURL(download);
    },
    [download],
  );

  async function exportData() {
    setBusy(true);
    setError(undefined);
    const answer = await post<Exported>('/v1/privacy/export', { identifier: person.identifier });
    setBusy(false);
    if (!answer.ok) {
      setError(`Not exported: ${answer.message}`);
      return;
    }
    const blob = new Blob([JSON.stringify(answer.value, null, 2)], { type: 'application/json' });
    setDone({
      kind: 'exported',
      counts: answer.value,
      url: URL.createObjectURL(blob),
      file: `tailor-export-${person.profile.id}.json`,
    });
  }

  async function erase() {
    setBusy(true);
    setError(undefined);
    const answer = await post<{ requestId: string; profileId: string }>('/v1/privacy/erase', {
      identifier: person.identifier,
    });
    setBusy(false);
    setConfirming(false);
    if (!answer.ok) {
      setError(`Not erased: ${answer.message}`);
      return;
    }
    setDone({ kind: 'erased', ...answer.value });
    onErased?.();
  }

  const erased = done?.kind === 'erased';
  return (
    <>
      {erased ? null : confirming ? (
        <div className="confirm" role="group" aria-label="Confirm erasure">
          <p>
            Erase {person.identifier} (profile {person.profile.id})? Their events and everything
            derived from them are removed from every store, and their identifiers are suppressed:
            nothing sent about them is kept until an admin lifts it. This cannot be undone.
          </p>
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void erase()}>
              Erase {person.identifier}
            </button>
            <button
              type="button"
              className="quiet"
              onClick={() => {
                setConfirming(false);
              }}
            >
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => void exportData()}>
            Export (JSON)
          </button>
          <button
            type="button"
            className="quiet"
            onClick={() => {
              setConfirming(true);
            }}
          >
            Erase…
          </button>
        </div>
      )}
      {error !== undefined && <ErrorMessage>{error}</ErrorMessage>}
      {done?.kind === 'exported' && (
        <p role="status">
          Exported {done.counts.events.length} events, {done.counts.decisions.length} decisions,{' '}
          {done.counts.memberships.length} segment changes, {done.counts.merges.length} merges and{' '}
          {done.counts.audit.length} audit entries.{' '}
          <a href={done.url} download={done.file}>
            Download {done.file}
          </a>
        </p>
      )}
      {done?.kind === 'erased' && (
        <p role="status">
          Erasure of profile {done.profileId} accepted (request {done.requestId}): the pipeline
          carries it out in turn; the privacy page lists it as completed once done.
        </p>
      )}
    </>
  );
}
