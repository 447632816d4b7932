import type { Decision } from '@tailor/core';
import { useId, useState, type SubmitEvent } from 'react';
import type { ApiGet, ApiPost } from '../api/api-client.js';
import { ErrorMessage } from '../components/status-message.js';
import { findProfile } from '../search/find-profile.js';
import { profileHash } from '../use-hash-route.js';
import type { StoredPlacement } from './placement-json.js';

type Outcome =
  | { kind: 'decision'; decision: Decision; person?: { query: string; profileId: string } }
  | { kind: 'error'; message: string };

/**
 * What a chosen person would see in the placement, and why (POST /v1/placements/NAME/preview):
 * nothing is recorded, no exposure counted. The person is found as the search box finds one (an
 * email, TYPE:VALUE, a userId…); left empty, the preview is for someone unknown. One item may be
 * rendered for them whether or not its rule holds; the context is what a touchpoint would send.
 */
export function PreviewPanel({
  get,
  post,
  placement,
}: {
  get: ApiGet;
  post: ApiPost;
  placement: StoredPlacement;
}) {
  const id = useId();
  const [person, setPerson] = useState('');
  const [itemId, setItemId] = useState('');
  const [context, setContext] = useState('');
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();

  async function run(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const read = readContext(context);
    if (typeof read === 'string') {
      setOutcome({ kind: 'error', message: read });
      return;
    }
    setRunning(true);
    setOutcome(await preview(get, post, placement.name, person.trim(), itemId, read));
    setRunning(false);
  }

  const ids = [...placement.items.map((item) => item.id), placement.default.id];
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Preview as a person</h2>
      <form className="editor" onSubmit={(event) => void run(event)} aria-label="Preview">
        <p>
          <label htmlFor={`${id}-person`}>Person</label>
          <input
            id={`${id}-person`}
            value={person}
            placeholder="email, userId, TYPE:VALUE"
            aria-describedby={`${id}-person-hint`}
            onChange={(event) => {
              setPerson(event.target.value);
            }}
          />
          <span id={`${id}-person-hint`} className="note">
            Found as the search box finds people; empty for someone unknown.
          </span>
        </p>
        <p>
          <label htmlFor={`${id}-item`}>What to render</label>
          <select
            id={`${id}-item`}
            value={itemId}
            onChange={(event) => {
              setItemId(event.target.value);
            }}
          >
            <option value="">The decision (every rule applied)</option>
            {ids.map((item) => (
              <option key={item} value={item}>
                Only item {item}
              </option>
            ))}
          </select>
        </p>
        <p>
          <label htmlFor={`${id}-context`}>Context (JSON, optional)</label>
          <textarea
            id={`${id}-context`}
            rows={2}
            spellCheck={false}
            value={context}
            placeholder='{"page": {"path": "/pricing"}}'
            onChange={(event) => {
              setContext(event.target.value);
            }}
          />
        </p>
        <div className="actions">
          <button type="submit" disabled={running}>
            {running ? 'Previewing…' : 'Preview'}
          </button>
        </div>
      </form>
      {outcome?.kind === 'error' && <ErrorMessage>{outcome.message}</ErrorMessage>}
      {outcome?.kind === 'decision' && <DecisionView {...outcome} />}
    </section>
  );
}

function readContext(text: string): Record<string, unknown> | string {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // Said below.
  }
  return 'The context is not a JSON object, e.g. {"page": {"path": "/pricing"}}.';
}

async function preview(
  get: ApiGet,
  post: ApiPost,
  name: string,
  query: string,
  itemId: string,
  context: Record<string, unknown>,
): Promise<Outcome> {
  let who: { query: string; profileId: string } | undefined;
  if (query !== '') {
    const found = await findProfile(get, query, new AbortController().signal);
    if (found.kind === 'not-found') return { kind: 'error', message: `No one found for ${query}.` };
    if (found.kind === 'error') {
      return { kind: 'error', message: `The person could not be read: ${found.message}` };
    }
    who = { query, profileId: found.profile.id };
  }
  const answer = await post<Decision>(`/v1/placements/${encodeURIComponent(name)}/preview`, {
    ...(who && { profileId: who.profileId }),
    ...(itemId !== '' && { itemId }),
    context,
  });
  if (!answer.ok) return { kind: 'error', message: `No preview: ${answer.message}` };
  return { kind: 'decision', decision: answer.value, ...(who && { person: who }) };
}

function DecisionView({
  decision,
  person,
}: {
  decision: Decision;
  person?: { query: string; profileId: string } | undefined;
}) {
  return (
    <div className="decision" role="status" aria-label="Preview result">
      <p>
        {person === undefined ? (
          'Someone unknown'
        ) : (
          <a href={profileHash(person.query)}>{person.query}</a>
        )}{' '}
        {decision.itemId === null ? (
          'would see nothing.'
        ) : (
          <>
            would see <strong>{decision.itemId}</strong>
            {decision.fallback && ' (the default: nothing else could be served)'}
            {decision.holdout === true && ' (in the global holdout)'}.
          </>
        )}
        {decision.experiment !== undefined &&
          ` Experiment ${decision.experiment.name}: ${
            decision.experiment.variant === null
              ? 'not in it'
              : `variant ${decision.experiment.variant}`
          }.`}
      </p>
      <h3>Why</h3>
      <ol className="reasons">
        {decision.reasons.map((reason, i) => (
          <li key={i}>{reason}</li>
        ))}
      </ol>
      {decision.content !== null && (
        <>
          <h3>Content (HTML, as sent to the page)</h3>
          <pre className="definition">{decision.content}</pre>
        </>
      )}
    </div>
  );
}
