import { useId, useState, type SubmitEvent } from 'react';
import type { ApiPost } from '../api/api-client.js';
import { Field } from '../components/form-field.js';
import { RefusalMessage, type Refusal } from '../components/refusal-message.js';
import {
  bodyOf,
  fieldsOf,
  hasIndex,
  METHODS,
  PART_METHODS,
  refusedField,
  type BoostFields,
  type BoostKind,
  type Method,
  type PartFields,
  type PartMethod,
  type RecommenderFields,
} from './recommender-form.js';
import { METHOD_TEXT, type StoredRecommender } from './stored-recommender.js';

/** A refusal the API tied to one of the editor's fields (recommender-form.ts `refusedField`). */
interface FieldRefusal {
  field: string;
  refusal: Refusal;
}

/**
 * Edits a recommender (PUT /v1/recommenders/NAME, marketer or admin): its method, a blend's
 * methods and weights, the events it learns from, the half-life, k, the business rules
 * (available items only, at most N per category, boosts) and, for content, its index. The API's
 * refusal is shown at the field it names; nothing is checked here.
 */
export function RecommenderEditor({
  put,
  recommender,
  onSaved,
  onCancel,
}: {
  put: ApiPost;
  recommender: StoredRecommender;
  onSaved: (saved: StoredRecommender) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [fields, setFields] = useState<RecommenderFields>(() => fieldsOf(recommender));
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<Refusal>();
  const [refused, setRefused] = useState<FieldRefusal>();
  const at = (field: string) => (refused?.field === field ? refused.refusal : undefined);
  const set = (change: Partial<RecommenderFields>) => {
    setFields({ ...fields, ...change });
  };

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setRefused(undefined);
    setRefusal(undefined);
    setSaving(true);
    const answer = await put<StoredRecommender>(
      `/v1/recommenders/${encodeURIComponent(recommender.name)}`,
      bodyOf(fields),
    );
    setSaving(false);
    if (answer.ok) {
      onSaved(answer.value);
      return;
    }
    const field = refusedField(answer.message);
    if (field === undefined) setRefusal({ message: answer.message, text: '' });
    else setRefused({ field, refusal: { message: answer.message, text: '' } });
  }

  return (
    <form className="editor" onSubmit={(event) => void submit(event)} aria-label="Edit recommender">
      <Field label="Method" refused={at('method')}>
        {(props) => (
          <select
            {...props}
            value={fields.method}
            onChange={(event) => {
              const method = event.target.value as Method;
              const parts =
                method === 'blend' && fields.parts.length === 0
                  ? [
                      { method: 'ease' as const, weight: '' },
                      { method: 'content' as const, weight: '' },
                    ]
                  : fields.parts;
              set({ method, parts });
            }}
          >
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {m}: {METHOD_TEXT[m]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {fields.method === 'blend' && (
        <BlendParts
          parts={fields.parts}
          onChange={(parts) => {
            set({ parts });
          }}
          at={at}
        />
      )}
      <Field
        label="Events it learns from"
        refused={at('events')}
        hint="One a line; empty: Order Completed, Product Added, Product Viewed."
      >
        {(props) => (
          <textarea
            {...props}
            rows={3}
            value={fields.events}
            onChange={(event) => {
              set({ events: event.target.value });
            }}
          />
        )}
      </Field>
      <div className="item-row">
        <Field
          label="Half-life (days)"
          refused={at('halfLifeDays')}
          hint="Empty: 30 for popularity, 90 otherwise."
        >
          {(props) => (
            <input
              {...props}
              inputMode="decimal"
              value={fields.halfLifeDays}
              onChange={(event) => {
                set({ halfLifeDays: event.target.value });
              }}
            />
          )}
        </Field>
        <Field label="Items for templates (k)" refused={at('k')} hint="Empty: 10.">
          {(props) => (
            <input
              {...props}
              inputMode="numeric"
              value={fields.k}
              onChange={(event) => {
                set({ k: event.target.value });
              }}
            />
          )}
        </Field>
      </div>
      <Rules fields={fields} set={set} at={at} />
      {hasIndex(fields) && <IndexSettings fields={fields} set={set} at={at} />}
      <Field label="Description" refused={at('description')}>
        {(props) => (
          <input
            {...props}
            value={fields.description}
            onChange={(event) => {
              set({ description: event.target.value });
            }}
          />
        )}
      </Field>
      {refusal !== undefined && <RefusalMessage id={`${id}-error`} refusal={refusal} />}
      <div className="actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : 'Save recommender'}
        </button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

type At = (field: string) => Refusal | undefined;

/** A blend's methods and their weights, each in its row. */
function BlendParts({
  parts,
  onChange,
  at,
}: {
  parts: PartFields[];
  onChange: (parts: PartFields[]) => void;
  at: At;
}) {
  const id = useId();
  const setPart = (index: number, part: PartFields) => {
    onChange(parts.map((old, i) => (i === index ? part : old)));
  };
  const group = at('blend');
  return (
    <fieldset
      className="item"
      aria-describedby={group === undefined ? `${id}-hint` : `${id}-error`}
    >
      <legend>Methods mixed</legend>
      <p id={`${id}-hint`} className="note">
        2 to 5 methods, each once; an item scores the sum of weight / (60 + its rank) over the lists
        that rank it. Empty weight: 1.
      </p>
      {parts.map((part, index) => (
        <div className="item-row" key={index}>
          <Field
            label={`Method ${String(index + 1)}`}
            refused={at(`blend.${String(index)}.method`)}
          >
            {(props) => (
              <select
                {...props}
                value={part.method}
                onChange={(event) => {
                  setPart(index, { ...part, method: event.target.value as PartMethod });
                }}
              >
                {PART_METHODS.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label={`Weight ${String(index + 1)}`}
            refused={at(`blend.${String(index)}.weight`)}
          >
            {(props) => (
              <input
                {...props}
                inputMode="decimal"
                value={part.weight}
                onChange={(event) => {
                  setPart(index, { ...part, weight: event.target.value });
                }}
              />
            )}
          </Field>
          <div className="field">
            <button
              type="button"
              className="quiet"
              onClick={() => {
                onChange(parts.filter((_, i) => i !== index));
              }}
            >
              Remove method {index + 1}
            </button>
          </div>
        </div>
      ))}
      {group !== undefined && <RefusalMessage id={`${id}-error`} refusal={group} />}
      <button
        type="button"
        className="quiet"
        onClick={() => {
          const unused = PART_METHODS.find((m) => !parts.some((p) => p.method === m)) ?? 'ease';
          onChange([...parts, { method: unused, weight: '' }]);
        }}
      >
        Add a method
      </button>
    </fieldset>
  );
}

type SetFields = (change: Partial<RecommenderFields>) => void;

/** The business rules: what is always left out, availability, diversity, boosts. */
function Rules({ fields, set, at }: { fields: RecommenderFields; set: SetFields; at: At }) {
  const id = useId();
  const setBoost = (index: number, boost: BoostFields) => {
    set({ boosts: fields.boosts.map((old, i) => (i === index ? boost : old)) });
  };
  const boostsRefused = at('rules.boosts');
  return (
    <fieldset className="item">
      <legend>Business rules</legend>
      <p className="note">
        What the person had (bought, added or viewed: every event it learns from) is never
        recommended.
      </p>
      <div className="field check">
        <input
          id={`${id}-available`}
          type="checkbox"
          checked={fields.availableOnly}
          aria-invalid={at('rules.availableOnly') !== undefined}
          onChange={(event) => {
            set({ availableOnly: event.target.checked });
          }}
        />{' '}
        <label htmlFor={`${id}-available`}>
          Only available items (those the catalogue marks unavailable are left out)
        </label>
      </div>
      <Field
        label="At most per category"
        refused={at('rules.maxPerCategory')}
        hint="Diversity: at most this many items of one category in a list; empty: no cap."
      >
        {(props) => (
          <input
            {...props}
            inputMode="numeric"
            value={fields.maxPerCategory}
            onChange={(event) => {
              set({ maxPerCategory: event.target.value });
            }}
          />
        )}
      </Field>
      {fields.boosts.map((boost, index) => (
        <BoostRow
          key={index}
          index={index}
          boost={boost}
          at={at}
          onChange={(b) => {
            setBoost(index, b);
          }}
          onRemove={() => {
            set({ boosts: fields.boosts.filter((_, i) => i !== index) });
          }}
        />
      ))}
      {boostsRefused !== undefined && (
        <RefusalMessage id={`${id}-boosts-error`} refusal={boostsRefused} />
      )}
      <button
        type="button"
        className="quiet"
        onClick={() => {
          set({
            boosts: [...fields.boosts, { field: 'brand', value: '', kind: 'text', factor: '1.5' }],
          });
        }}
      >
        Add a boost
      </button>
    </fieldset>
  );
}

const KIND_TEXT: Record<BoostKind, string> = {
  text: 'text',
  number: 'a number',
  boolean: 'true or false',
};

/** One boost: a catalogue field, the value it must equal, the factor its items' scores get. */
function BoostRow({
  index,
  boost,
  at,
  onChange,
  onRemove,
}: {
  index: number;
  boost: BoostFields;
  at: At;
  onChange: (boost: BoostFields) => void;
  onRemove: () => void;
}) {
  const n = String(index + 1);
  const path = `rules.boosts.${String(index)}`;
  return (
    <fieldset className="sub">
      <legend>Boost {n}</legend>
      <div className="item-row">
        <Field
          label={`Boost ${n} field`}
          refused={at(`${path}.field`)}
          hint="category, brand or attributes.NAME"
        >
          {(props) => (
            <input
              {...props}
              value={boost.field}
              onChange={(event) => {
                onChange({ ...boost, field: event.target.value });
              }}
            />
          )}
        </Field>
        <Field label={`Boost ${n} value is`} refused={undefined}>
          {(props) => (
            <select
              {...props}
              value={boost.kind}
              onChange={(event) => {
                const kind = event.target.value as BoostKind;
                onChange({ ...boost, kind, value: kind === 'boolean' ? 'true' : boost.value });
              }}
            >
              {(Object.keys(KIND_TEXT) as BoostKind[]).map((k) => (
                <option key={k} value={k}>
                  {KIND_TEXT[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={`Boost ${n} value`} refused={at(`${path}.value`)}>
          {(props) =>
            boost.kind === 'boolean' ? (
              <select
                {...props}
                value={boost.value}
                onChange={(event) => {
                  onChange({ ...boost, value: event.target.value });
                }}
              >
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : (
              <input
                {...props}
                value={boost.value}
                onChange={(event) => {
                  onChange({ ...boost, value: event.target.value });
                }}
              />
            )
          }
        </Field>
        <Field
          label={`Boost ${n} factor`}
          refused={at(`${path}.factor`)}
          hint="Above 1 moves the items up, below 1 down."
        >
          {(props) => (
            <input
              {...props}
              inputMode="decimal"
              value={boost.factor}
              onChange={(event) => {
                onChange({ ...boost, factor: event.target.value });
              }}
            />
          )}
        </Field>
      </div>
      <button type="button" className="quiet" onClick={onRemove}>
        Remove boost {n}
      </button>
    </fieldset>
  );
}

const INDEX_FIELDS = [
  { key: 'm', label: 'Links per item (m)', hint: 'Empty: 16.' },
  {
    key: 'efConstruction',
    label: 'Candidates while building (efConstruction)',
    hint: 'Empty: 64.',
  },
  { key: 'efSearch', label: 'Candidates while searching (efSearch)', hint: 'Empty: 400.' },
] as const;

/** The approximate nearest-neighbour index's settings, for a content method or part. */
function IndexSettings({ fields, set, at }: { fields: RecommenderFields; set: SetFields; at: At }) {
  const id = useId();
  const group = at('hnsw');
  return (
    <fieldset className="item">
      <legend>Nearest-neighbour index (content)</legend>
      <p className="note">
        Used when more than 5,000 catalogue items have text: more links or candidates buy recall for
        memory and time.
      </p>
      <div className="item-row">
        {INDEX_FIELDS.map(({ key, label, hint }) => (
          <Field key={key} label={label} refused={at(`hnsw.${key}`)} hint={hint}>
            {(props) => (
              <input
                {...props}
                inputMode="numeric"
                value={fields.hnsw[key]}
                onChange={(event) => {
                  set({ hnsw: { ...fields.hnsw, [key]: event.target.value } });
                }}
              />
            )}
          </Field>
        ))}
      </div>
      {group !== undefined && <RefusalMessage id={`${id}-error`} refusal={group} />}
    </fieldset>
  );
}
