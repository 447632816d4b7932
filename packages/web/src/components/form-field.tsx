import { useId, type ReactNode } from 'react';
import { RefusalMessage, type Refusal } from './refusal-message.js';

export interface FieldProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

/** A labelled field, with its hint and, when the API refused it, the refusal beside it. */
export function Field({
  label,
  refused,
  hint,
  children,
}: {
  label: string;
  refused: Refusal | undefined;
  hint?: string;
  children: (props: FieldProps) => ReactNode;
}) {
  const id = useId();
  const described =
    refused !== undefined ? `${id}-error` : hint !== undefined ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': refused !== undefined, 'aria-describedby': described })}
      {hint !== undefined && refused === undefined && (
        <span id={`${id}-hint`} className="note">
          {hint}
        </span>
      )}
      {refused !== undefined && <RefusalMessage id={`${id}-error`} refusal={refused} />}
    </div>
  );
}
