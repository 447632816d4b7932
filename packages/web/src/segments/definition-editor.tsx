import { useId, useRef, useState, type SubmitEvent } from 'react';
import type { ApiPost } from '../api/api-client.js';
import {
  definitionBase,
  type DefinitionKind,
  type DefinitionSummary,
} from './definition-summary.js';
import { RefusalMessage, type Refusal } from '../components/refusal-message.js';
import { SizeEstimate } from './size-estimate.js';

/**
 * Saves a segment or computed trait (PUT, marketer or admin): a name when it is new, the definition
 * in the segment language; for a segment, its size estimated while typing. A refusal shows the server's reason and, when it gives one, marks the
 * character it points at (line and column) and puts the cursor there.
 */
export function DefinitionEditor({
  put,
  post,
  kind,
  name: fixedName,
  initial,
  onSaved,
  onCancel,
}: {
  put: ApiPost;
  /** For a segment's size estimate while typing (`POST /v1/segments/estimate`). */
  post: ApiPost;
  kind: DefinitionKind;
  /** The definition's name when editing one; undefined for a new one, whose name is asked. */
  name?: string;
  initial: string;
  onSaved: (saved: DefinitionSummary) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [name, setName] = useState(fixedName ?? '');
  const [text, setText] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<Refusal>();
  const area = useRef<HTMLTextAreaElement>(null);
  const what = kind === 'segment' ? 'segment' : 'computed trait';

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = (fixedName ?? name).trim();
    if (target === '') {
      setRefusal({ message: `Give the ${what} a name.`, text });
      return;
    }
    setSaving(true);
    const answer = await put<DefinitionSummary>(
      `${definitionBase(kind)}/${encodeURIComponent(target)}`,
      { definition: text },
    );
    setSaving(false);
    if (answer.ok) {
      setRefusal(undefined);
      onSaved(answer.value);
      return;
    }
    setRefusal({ message: answer.message, text, position: answer.position });
    const position = answer.position;
    if (position !== undefined && area.current !== null) {
      area.current.focus();
      area.current.setSelectionRange(position, Math.min(position + 1, text.length));
    }
  }

  return (
    <form className="editor" onSubmit={(event) => void submit(event)} aria-label={`Edit ${what}`}>
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
        <label htmlFor={`${id}-definition`}>Definition</label>
        <textarea
          id={`${id}-definition`}
          ref={area}
          rows={4}
          spellCheck={false}
          value={text}
          aria-invalid={refusal !== undefined}
          aria-describedby={refusal === undefined ? `${id}-hint` : `${id}-error`}
          onChange={(event) => {
            setText(event.target.value);
          }}
        />
        <span id={`${id}-hint`} className="note">
          {kind === 'segment'
            ? 'A condition, e.g. traits.plan = "pro" and count("Order Completed", 30d) >= 2'
            : 'An aggregate, e.g. sum("Order Completed".revenue, 30d)'}
        </span>
      </p>
      {kind === 'segment' && <SizeEstimate post={post} text={text} name={fixedName} />}
      {refusal !== undefined && <RefusalMessage id={`${id}-error`} refusal={refusal} />}
      <div className="actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Saving…' : `Save ${what}`}
        </button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
