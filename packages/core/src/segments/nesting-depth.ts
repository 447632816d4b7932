/** How deep a definition may nest: parentheses (groups, calls), `not` and `where`, counted together. */
export const MAX_NESTING = 400;

const ID_CHAR = /[A-Za-z0-9_$]/;
/** The words the parser recurses on without a parenthesis: `not x`, `"Event" where x`. */
const NESTING_WORDS = new Set(['not', 'where']);

/**
 * Where a definition's text first nests deeper than MAX_NESTING (a character offset), or
 * undefined. The parser recurses once or more per level, so thousands of levels would overflow its
 * stack; this scan does not recurse. It skips strings and regular expressions. A `not` or `where`
 * is counted as a level until the parenthesis around it closes: never less deep than the parser
 * goes, deeper only for a definition with hundreds of them side by side.
 */
export function findTooDeep(text: string): number | undefined {
  // Per open parenthesis, the depth before it.
  const opened: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' || c === '/') {
      i = endOfQuoted(text, i, c);
    } else if (c === '(') {
      opened.push(depth);
      depth += 1;
      if (depth > MAX_NESTING) return i;
    } else if (c === ')') {
      depth = opened.pop() ?? 0;
    } else if (ID_CHAR.test(c)) {
      const end = endOfWord(text, i);
      if (text[i - 1] !== '.' && NESTING_WORDS.has(text.slice(i, end))) {
        depth += 1;
        if (depth > MAX_NESTING) return i;
      }
      i = end - 1;
    }
  }
  return undefined;
}

/** The offset of the quote or slash closing the string or pattern opened at `start` (or the end). */
function endOfQuoted(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i += 1;
    else if (c === quote || c === '\n') return i;
  }
  return text.length;
}

/** The offset just past the word (identifier characters) starting at `i`. */
function endOfWord(text: string, i: number): number {
  let end = i + 1;
  while (end < text.length && ID_CHAR.test(text[end] as string)) end += 1;
  return end;
}

/**
 * Whether a definition given as a JSON tree nests more than a condition of MAX_NESTING levels can
 * (a level takes at most a few objects and arrays). Checked without recursing, before the tree is
 * printed (which recurses); the printed text is then held to MAX_NESTING itself.
 */
export function treeTooDeep(tree: unknown): boolean {
  const limit = 4 * MAX_NESTING;
  const stack: [unknown, number][] = [[tree, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [value, depth] = entry;
    if (value === null || typeof value !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}
