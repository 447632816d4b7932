import { useEffect, useState, type SubmitEvent } from 'react';
import { profileHash } from '../use-hash-route.js';

/** Find a person: an email address, TYPE:VALUE, a userId or a profile id; Enter opens the profile. */
export function SearchForm({ initial }: { initial: string }) {
  const [query, setQuery] = useState(initial);
  useEffect(() => {
    setQuery(initial);
  }, [initial]);

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (query.trim() !== '') location.hash = profileHash(query.trim());
  }

  return (
    <form role="search" className="search" onSubmit={submit}>
      <label htmlFor="person-search" className="visually-hidden">
        Find a person
      </label>
      <input
        id="person-search"
        type="search"
        placeholder="Email, TYPE:VALUE or userId"
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
        }}
      />
    </form>
  );
}
