import type { Recommendations } from '@tailor/core';
import { useId, useState, type SubmitEvent } from 'react';
import type { ApiGet, ApiPost } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import type { Role } from '../api/detect-role.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import {
  METHOD_TEXT,
  personQuery,
  type StoredRecommender,
} from '../recommend/stored-recommender.js';
import { RecommenderEditor } from '../recommend/recommender-editor.js';
import { RecommenderSettings } from '../recommend/recommender-settings.js';
import { findProfile } from '../search/find-profile.js';
import { profileHash } from '../use-hash-route.js';
import { modelText } from './recommenders-page.js';

const BASIS_TEXT: Record<Recommendations['basis'], string> = {
  person: 'from what they had',
  items: 'what goes with the items given',
  segments: 'the popular items of their segments (the model does not know them yet)',
  popular:
    'the popular items, the same for anyone (unknown to the model, or personalization refused)',
};

/**
 * One recommender: its settings (method, a blend's parts and weights, the business rules, the
 * index) and their editor (marketer, admin), its model, a training on demand, and what it
 * recommends to a chosen person (GET /v1/recommendations/NAME, any reading key).
 */
export function RecommenderPage({
  get,
  post,
  put,
  role,
  name,
}: {
  get: ApiGet;
  post: ApiPost;
  put: ApiPost;
  role: Role;
  name: string;
}) {
  const [reads, setReads] = useState(0);
  const [training, setTraining] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<number>();
  /** What the last save stored: shown at once, not the read before it while the page reads again. */
  const [stored, setStored] = useState<StoredRecommender>();
  const path = `/v1/recommenders/${encodeURIComponent(name)}`;
  const answer = useApiGet<StoredRecommender>(get, path, reads);

  async function train() {
    setTraining(true);
    setProblem(undefined);
    const trained = await post(`${path}/train`, {});
    setTraining(false);
    if (trained.ok) setReads((n) => n + 1);
    else setProblem(`Training refused: ${trained.message}`);
  }

  if (answer === undefined) return <Loading what="the recommender" />;
  if (!answer.ok) {
    return (
      <>
        <h1>Recommender {name}</h1>
        <ErrorMessage>The recommender could not be read: {answer.message}</ErrorMessage>
        <p>
          <a href="#/recommenders">All recommenders</a>
        </p>
      </>
    );
  }
  const recommender =
    stored !== undefined && stored.version >= answer.value.version ? stored : answer.value;
  return (
    <article>
      <h1>Recommender {recommender.name}</h1>
      <p className="note">
        {recommender.description !== undefined && `${recommender.description} `}
        {METHOD_TEXT[recommender.method]}, learning from{' '}
        {(recommender.events ?? ['Order Completed', 'Product Added', 'Product Viewed']).join(', ')}.{' '}
        <a href="#/recommenders">All recommenders</a>
      </p>
      <section aria-labelledby="settings-heading">
        <div className="section-head">
          <h2 id="settings-heading">Settings</h2>
          {role !== 'viewer' && !editing && (
            <button
              type="button"
              onClick={() => {
                setEditing(true);
                setSaved(undefined);
              }}
            >
              Edit
            </button>
          )}
        </div>
        {editing ? (
          <RecommenderEditor
            put={put}
            recommender={recommender}
            onSaved={(saving) => {
              setEditing(false);
              setSaved(saving.version);
              setStored(saving);
              setReads((n) => n + 1);
            }}
            onCancel={() => {
              setEditing(false);
            }}
          />
        ) : (
          <RecommenderSettings recommender={recommender} />
        )}
        {saved !== undefined && (
          <p className="note" role="status">
            Saved as version {saved}. The model is trained again for it in the background; lists
            follow once it is done (Train now waits for it).
          </p>
        )}
      </section>
      <section aria-labelledby="model-heading">
        <div className="section-head">
          <h2 id="model-heading">Model</h2>
          {role !== 'viewer' && (
            <button type="button" disabled={training} onClick={() => void train()}>
              {training ? 'Training… (the log is read)' : 'Train now'}
            </button>
          )}
        </div>
        <p>{modelText(recommender)}</p>
        {problem !== undefined && <ErrorMessage>{problem}</ErrorMessage>}
      </section>
      <ForPerson get={get} name={recommender.name} />
    </article>
  );
}

type Outcome =
  | { kind: 'items'; query: string; known: boolean; result: Recommendations; given: string[] }
  | { kind: 'error'; message: string };

function ForPerson({ get, name }: { get: ApiGet; name: string }) {
  const id = useId();
  const [person, setPerson] = useState('');
  const [k, setK] = useState('10');
  const [items, setItems] = useState('');
  const [outcome, setOutcome] = useState<Outcome>();
  const [busy, setBusy] = useState(false);

  async function ask(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = person.trim();
    setBusy(true);
    setOutcome(await recommend(get, name, text, k.trim(), itemList(items)));
    setBusy(false);
  }

  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>For a person</h2>
      <form className="filters" onSubmit={(event) => void ask(event)} aria-label="Recommend">
        <p>
          <label htmlFor={`${id}-person`}>Person</label>
          <input
            id={`${id}-person`}
            value={person}
            placeholder="email, userId, TYPE:VALUE"
            onChange={(event) => {
              setPerson(event.target.value);
            }}
          />
        </p>
        <p>
          <label htmlFor={`${id}-items`}>With items</label>
          <input
            id={`${id}-items`}
            value={items}
            placeholder="product ids, comma-separated (a page, a cart)"
            onChange={(event) => {
              setItems(event.target.value);
            }}
          />
        </p>
        <p>
          <label htmlFor={`${id}-k`}>How many</label>
          <input
            id={`${id}-k`}
            type="number"
            inputMode="numeric"
            value={k}
            onChange={(event) => {
              setK(event.target.value);
            }}
          />
        </p>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Recommend
          </button>
        </div>
      </form>
      {outcome?.kind === 'error' && <ErrorMessage>{outcome.message}</ErrorMessage>}
      {outcome?.kind === 'items' && (
        <div className="decision" role="status" aria-label="Recommended items">
          <p>
            {outcome.query === '' ? (
              'For nobody in particular'
            ) : outcome.known ? (
              <>
                For <a href={profileHash(outcome.query)}>{outcome.query}</a>
              </>
            ) : (
              `No one is known as ${outcome.query}; for a stranger`
            )}
            {outcome.given.length > 0 && ` with ${outcome.given.join(', ')}`}:{' '}
            {BASIS_TEXT[outcome.result.basis]}. Model trained {outcome.result.trainedAt}.
          </p>
          {outcome.result.items.length === 0 ? (
            <p className="empty">No item to recommend.</p>
          ) : (
            <ol className="reasons">
              {outcome.result.items.map((item) => (
                <li key={item.item}>
                  <code>{item.item}</code>{' '}
                  <span className="note">score {item.score.toFixed(3)}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}

/** The product ids typed, comma-separated, blanks dropped. */
function itemList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

async function recommend(
  get: ApiGet,
  name: string,
  query: string,
  k: string,
  given: string[],
): Promise<Outcome> {
  if (query === '' && given.length === 0)
    return { kind: 'error', message: 'Enter a person (an email, a userId…) or items.' };
  const params = new URLSearchParams();
  let known = false;
  if (query !== '') {
    const found = await findProfile(get, query, new AbortController().signal);
    if (found.kind === 'error') {
      return { kind: 'error', message: `The person could not be read: ${found.message}` };
    }
    // Nobody by that name: asked as a userId all the same, which shows what a stranger gets.
    const who =
      found.kind === 'found'
        ? personQuery(found.profile)
        : new URLSearchParams({ userId: query }).toString();
    if (who === undefined) {
      return { kind: 'error', message: `${query} holds no userId or anonymousId to ask with.` };
    }
    for (const [key, value] of new URLSearchParams(who)) params.set(key, value);
    known = found.kind === 'found';
  }
  if (given.length > 0) params.set('items', given.join(','));
  if (k !== '') params.set('k', k);
  const answer = await get<Recommendations>(
    `/v1/recommendations/${encodeURIComponent(name)}?${params.toString()}`,
  );
  if (!answer.ok) return { kind: 'error', message: `No recommendations: ${answer.message}` };
  return { kind: 'items', query, known, result: answer.value, given };
}
