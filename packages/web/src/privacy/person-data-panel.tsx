import { useId, useState, type SubmitEvent } from 'react';
import type { ApiGet, ApiPost } from '../api/api-client.js';
import { ErrorMessage } from '../components/status-message.js';
import { findProfile } from '../search/find-profile.js';
import { profileHash } from '../use-hash-route.js';
import { identifierOf, PersonActions, type PersonFound } from './person-actions.js';

/**
 * A person's data (admin): found as the search box finds them, shown (profile id, identifiers),
 * then exported or erased (PersonActions).
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
  const [person, setPerson] = useState<PersonFound & { query: string }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function find(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setPerson(undefined);
    setError(undefined);
    const text = query.trim();
    if (text === '') return;
    setBusy(true);
    const found = await findProfile(get, text, new AbortController().signal);
    setBusy(false);
    if (found.kind === 'not-found') setError(`No one found for ${text}.`);
    else if (found.kind === 'error') setError(`The person could not be read: ${found.message}`);
    else {
      const identifier = identifierOf(found.profile, found.identifier);
      if (identifier === undefined)
        setError(`${found.profile.id} holds no identifier to ask with.`);
      else setPerson({ query: text, profile: found.profile, identifier });
    }
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
      {error !== undefined && <ErrorMessage>{error}</ErrorMessage>}
      {person !== undefined && (
        <div className="decision" role="group" aria-label="The person found">
          <p>
            <a href={profileHash(person.query)}>Profile {person.profile.id}</a>, holding{' '}
            {person.profile.identifiers.map((i) => `${i.type}:${i.value}`).join(', ')}.
          </p>
          <PersonActions key={person.profile.id} post={post} person={person} onErased={onErased} />
        </div>
      )}
    </section>
  );
}
