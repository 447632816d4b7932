import { useId, useRef, useState, type SubmitEvent } from 'react';
import type { ApiPost } from '../api/api-client.js';
import { RefusalMessage, type Refusal } from '../components/refusal-message.js';
import { PlacementFieldsForm, type FieldRefusal } from './placement-fields.js';
import { bodyOf, fieldsOf, refusedField, type PlacementFields } from './placement-form.js';
import { parsePlacementText, placementRefusal, type StoredPlacement } from './placement-json.js';

/**
 * Saves a placement (PUT /v1/placements/NAME, marketer or admin): as a form (items, rules,
 * templates, the default), or as the JSON the API takes, for the fields the form leaves out. The
 * API's refusal is shown at the field it names (a rule marked at the segment language's position);
 * in JSON, text that is not JSON is caught here and marked at its place.
 */
export function PlacementEditor({
  put,
  name: fixedName,
  initial,
  onSaved,
  onCancel,
}: {
  put: ApiPost;
  /** The placement's name when editing one; undefined for a new one, whose name is asked. */
  name?: string;
  /** The definition as JSON text (placementText, or NEW_PLACEMENT). */
  initial: string;
  onSaved: (saved: StoredPlacement) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [name, setName] = useState(fixedName ?? '');
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [fields, setFields] = useState<PlacementFields>(() => formFields(initial) ?? blank());
  const [text, setText] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<Refusal>();
  const [refused, setRefused] = useState<FieldRefusal>();
  const area = useRef<HTMLTextAreaElement>(null);

  function markInText(position: number | undefined) {
    if (position === undefined || area.current === null) return;
    area.current.focus();
    area.current.setSelectionRange(position, Math.min(position + 1, text.length));
  }

  function switchMode() {
    setRefusal(undefined);
    setRefused(undefined);
    if (mode === 'form') {
      setText(JSON.stringify(bodyOf(fields), null, 2));
      setMode('json');
      return;
    }
    const read = formFields(text);
    if (read === undefined) {
      const parsed = parsePlacementText(text);
      setRefusal(
        parsed.ok
          ? { message: 'the form needs "items" as a list of objects and "default" as one', text }
          : parsed.refusal,
      );
      return;
    }
    setFields(read);
    setMode('form');
  }

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setRefused(undefined);
    const target = (fixedName ?? name).trim();
    if (target === '') {
      setRefusal({ message: 'Give the placement a name.', text: '' });
      return;
    }
    let body: unknown;
    if (mode === 'json') {
      const parsed = parsePlacementText(text);
      if (!parsed.ok) {
        setRefusal(parsed.refusal);
        markInText(parsed.refusal.position);
        return;
      }
      body = parsed.body;
    } else {
      body = bodyOf(fields);
    }
    setSaving(true);
    const answer = await put<StoredPlacement>(`/v1/placements/${encodeURIComponent(target)}`, body);
    setSaving(false);
    if (answer.ok) {
      setRefusal(undefined);
      onSaved(answer.value);
      return;
    }
    const shown = placementRefusal(text, body, answer.message, answer.position);
    const field = mode === 'form' ? refusedField(answer.message) : undefined;
    if (field === undefined) {
      setRefusal(mode === 'form' ? { message: answer.message, text: '' } : shown);
      return;
    }
    setRefusal(undefined);
    // A rule's refusal marks the rule at its position; others are the message at the field.
    setRefused({
      field,
      refusal: field.endsWith('.when') ? shown : { message: answer.message, text: '' },
    });
  }

  return (
    <form className="editor" onSubmit={(event) => void submit(event)} aria-label="Edit placement">
      {fixedName === undefined && (
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={128}
            onChange={(event) => {
              setName(event.target.value);
            }}
          />
        </div>
      )}
      {mode === 'form' ? (
        <PlacementFieldsForm fields={fields} onChange={setFields} refused={refused} />
      ) : (
        <div className="field">
          <label htmlFor={`${id}-definition`}>Definition (JSON)</label>
          <textarea
            id={`${id}-definition`}
            ref={area}
            rows={16}
            spellCheck={false}
            value={text}
            aria-invalid={refusal !== undefined}
            aria-describedby={refusal === undefined ? `${id}-hint` : `${id}-error`}
            onChange={(event) => {
              setText(event.target.value);
            }}
          />
          <span id={`${id}-hint`} className="note">
            Items with their rule (<code>when</code>, the segment language), priority and Liquid
            template, and the default; docs/decide.md lists every field.
          </span>
        </div>
      )}
      {refusal !== undefined && <RefusalMessage id={`${id}-error`} refusal={refusal} />}
      <div className="actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : 'Save placement'}
        </button>
        <button type="button" className="quiet" onClick={switchMode}>
          {mode === 'form' ? 'Edit as JSON' : 'Edit as a form'}
        </button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The form's fields for a definition's JSON text; undefined when the form cannot hold it. */
function formFields(text: string): PlacementFields | undefined {
  const parsed = parsePlacementText(text);
  if (!parsed.ok) return undefined;
  const body = parsed.body as { items?: unknown; default?: unknown };
  const objects = (value: unknown) =>
    Array.isArray(value) &&
    value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
  if (body.items !== undefined && !objects(body.items)) return undefined;
  if (body.default !== undefined && !objects([body.default])) return undefined;
  return fieldsOf(body as Parameters<typeof fieldsOf>[0]);
}

function blank(): PlacementFields {
  return { description: '', items: [], defaultId: '', defaultTemplate: '', rest: {} };
}
