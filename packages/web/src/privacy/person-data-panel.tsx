import type { Profile } from '@tailor/core';
import { useEffect, useId, useState, type SubmitEvent } from 'react';
import type { ApiGet, ApiPost } from '../api/api-client.js';
import { ErrorMessage } from '../components/status-message.js';
import { findProfile } from '../search/find-profile.js';
import { profileHash } from '../use-hash-route.js';

interface Person {
  query: string;
  profile: Profile;
  /** The `TYPE:VALUE` the privacy routes are asked with. */
  identifier: string;
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
 * A person's data (admin): found as the search box finds them, then exported (POST
 * /v1/privacy/export, downloaded as a JSON file) or erased (POST /v1/privacy/erase) once the
 * admin has confirmed, naming who will be erased and what it does.
 */
export function PersonDataPanel({
  get,
  post,
  onErased,
}: {
  get: ApiGet;
  post: ApiPost;
  onErased: () => void;
}) {
  const id = useId();
  const [query, setQuery] = useState('');
  const [person, setPerson] = useState<Person>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<Done>();
  const download = done?.kind === 'exported' ? done.url : undefined;
  useEffect(
    () => () => {
      if (download !== undefined) URL.revokeObjectURL(download);
    },
    [download],
  );

  async function find(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setPerson(undefined);
    setDone(undefined);
    setConfirming(false);
    setError(undefined);
    const text = query.trim();
    if (text === '') return;
    setBusy(true);
    const found = await findProfile(get, text, new AbortController().signal);
    setBusy(false);
    if (found.kind === 'not-found') setError(`No one found for ${text}.`);
    else if (found.kind === 'error') setError(`The person could not be read: ${found.message}`);
    else {
      const first = found.profile.identifiers[0];
      const identifier = found.identifier ?? (first && `${first.type}:${first.value}`);
      if (identifier === undefined)
        setError(`${found.profile.id} holds no identifier to ask with.`);
      else setPerson({ query: text, profile: found.profile, identifier });
    }
  }

  async function exportData(who: Person) {
    setBusy(true);
    setError(undefined);
    const answer = await post<Exported>('/v1/privacy/export', { identifier: who.identifier });
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
      file: `tailor-export-${who.profile.id}.json`,
    });
  }

  async function erase(who: Person) {
    setBusy(true);
    setError(undefined);
    const answer = await post<{ requestId: string; profileId: string }>('/v1/privacy/erase', {
      identifier: who.identifier,
    });
    setBusy(false);
    setConfirming(false);
    if (!answer.ok) {
      setError(`Not erased: ${answer.message}`);
      return;
    }
    setPerson(undefined);
    setDone({ kind: 'erased', ...answer.value });
    onErased();
  }

  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>A person’s data</h2>
      <form className="filters" onSubmit={(event) => void find(event)} aria-label="Choose a person">
        <p>
          <label htmlFor={`${id}-person`}>Person</label>
          <input
            id={`${id}-person`}
            value={query}
            placeholder="email, userId, TYPE:VALUE"
            onChange={(event) => {
              setQuery(event.target.value);
            }}
          />
        </p>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Find
          </button>
        </div>
      </form>
      {person !== undefined && (
        <div className="decision" role="group" aria-label="The person found">
          <p>
            <a href={profileHash(person.query)}>Profile {person.profile.id}</a>, holding{' '}
            {person.profile.identifiers.map((i) => `${i.type}:${i.value}`).join(', ')}.
          </p>
          {confirming ? (
            <div className="confirm" role="group" aria-label="Confirm erasure">
              <p>
                Erase {person.identifier} (profile {person.profile.id})? Their events and everything
                derived from them are removed from every store, and their identifiers are
                suppressed: nothing sent about them is kept until an admin lifts it. This cannot be
                undone.
              </p>
              <div className="actions">
                <button
                  type="button"
                  className="danger"
                  disabled={busy}
                  onClick={() => void erase(person)}
                >
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
              <button type="button" disabled={busy} onClick={() => void exportData(person)}>
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
          carries it out in turn; it is listed below as completed once done.
        </p>
      )}
    </section>
  );
}
