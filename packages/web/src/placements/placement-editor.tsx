import { useId, useRef, useState, type SubmitEvent } from 'react';
import type { ApiPost } from '../api/api-client.js';
import { RefusalMessage, type Refusal } from '../components/refusal-message.js';
import { parsePlacementText, placementRefusal, type StoredPlacement } from './placement-json.js';

/**
 * Saves a placement (PUT /v1/placements/NAME, marketer or admin) from its JSON definition, as the
 * API takes it. Text that is not JSON is caught here, marked at its place; anything the server
 * refuses is its message, a rule the segment language refused marked at the API's position.
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
  initial: string;
  onSaved: (saved: StoredPlacement) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [name, setName] = useState(fixedName ?? '');
  const [text, setText] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<Refusal>();
  const area = useRef<HTMLTextAreaElement>(null);

  function markInText(position: number | undefined) {
    if (position === undefined || area.current === null) return;
    area.current.focus();
    area.current.setSelectionRange(position, Math.min(position + 1, text.length));
  }

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = (fixedName ?? name).trim();
    if (target === '') {
      setRefusal({ message: 'Give the placement a name.', text });
      return;
    }
    const parsed = parsePlacementText(text);
    if (!parsed.ok) {
      setRefusal(parsed.refusal);
      markInText(parsed.refusal.position);
      return;
    }
    setSaving(true);
    const answer = await put<StoredPlacement>(
      `/v1/placements/${encodeURIComponent(target)}`,
      parsed.body,
    );
    setSaving(false);
    if (answer.ok) {
      setRefusal(undefined);
      onSaved(answer.value);
      return;
    }
    setRefusal(placementRefusal(text, parsed.body, answer.message, answer.position));
  }

  return (
    <form className="editor" onSubmit={(event) => void submit(event)} aria-label="Edit placement">
      {fixedName === undefined && (
        <p>
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={128}
            onChange={(event) => {
              setName(event.target.value);
            }}
          />
        </p>
      )}
      <p>
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
      </p>
      {refusal !== undefined && <RefusalMessage id={`${id}-error`} refusal={refusal} />}
      <div className="actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : 'Save placement'}
        </button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
