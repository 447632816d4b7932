import { locatePosition } from '../segments/locate-position.js';

/** What the server (or the page) refused: its reason, the text refused, and where in it if known. */
export interface Refusal {
  message: string;
  text: string;
  /** The 0-based character the problem is at. */
  position?: number | undefined;
}

/**
 * A refusal shown as an alert: the reason with the line and column when a position is known, and
 * the text with the character at that position marked. `lead` starts the line ("Not saved");
 * `alert` false leaves the role out, for a refusal inside a live region of its own (an estimate
 * refused while typing is no alert: nothing was refused yet).
 */
export function RefusalMessage({
  id,
  refusal,
  lead = 'Not saved',
  alert = true,
}: {
  id: string;
  refusal: Refusal;
  lead?: string;
  alert?: boolean;
}) {
  const located =
    refusal.position === undefined ? undefined : locatePosition(refusal.text, refusal.position);
  return (
    <div id={id} className="error" role={alert ? 'alert' : undefined}>
      <p>
        {lead}: {refusal.message}
        {located !== undefined && ` (line ${located.line}, column ${located.column})`}
      </p>
      {located !== undefined && (
        <pre className="error-at" aria-label="Where the problem is">
          {located.before}
          <mark>{located.at}</mark>
          {located.after}
        </pre>
      )}
    </div>
  );
}
