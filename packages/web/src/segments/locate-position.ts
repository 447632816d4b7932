/** Where a 0-based character offset falls in a text: its 1-based line and column, and the text around it. */
export interface Located {
  line: number;
  column: number;
  before: string;
  /** The character at the position, or a space when it is the end of the text. */
  at: string;
  after: string;
}

export function locatePosition(text: string, position: number): Located {
  const at = Math.min(Math.max(0, Math.trunc(position)), text.length);
  const before = text.slice(0, at);
  const lines = before.split('\n');
  return {
    line: lines.length,
    column: (lines[lines.length - 1] ?? '').length + 1,
    before,
    at: at < text.length ? text.charAt(at) : ' ',
    after: text.slice(at + 1),
  };
}
