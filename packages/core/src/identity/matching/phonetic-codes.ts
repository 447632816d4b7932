import doubleMetaphone from 'talisman/phonetics/double-metaphone.js';

/** Codes already computed: names repeat a lot, and Double Metaphone is the costliest step of blocking. */
const memo = new Map<string, readonly [string, string]>();
/** The memo is emptied when it grows past this many values, so a long-running server does not grow. */
const MEMO_LIMIT = 200_000;

/** Double Metaphone's primary and alternate codes of a word (letters only; '' when it has none). */
export function phoneticCodes(value: string): readonly [string, string] {
  let codes = memo.get(value);
  if (codes === undefined) {
    const letters = value.replace(/[^a-z]/gi, '');
    codes = letters === '' ? ['', ''] : doubleMetaphone(letters);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(value, codes);
  }
  return codes;
}

/** Whether two words sound alike: they share a Double Metaphone code (primary or alternate). */
export function soundAlike(x: string, y: string): boolean {
  const [a1, a2] = phoneticCodes(x);
  const [b1, b2] = phoneticCodes(y);
  return a1 !== '' && (a1 === b1 || a1 === b2 || a2 === b1);
}
