import { blockValue } from './block-records.js';
import type { ColumnProfile } from './profile-columns.js';
import type { BlockingKey, MatchRecord } from './matching.schema.js';

/**
 * Several keys, unioned, so that a typo in one field still leaves the pair in another key's
 * block: each selective field alone (dates, identifiers), names by sound, and pairs of weaker
 * fields (a code with a name's first letters). Each key's pair count is measured on the records;
 * a key over the budget (a few pairs per record, so the work grows linearly) is refined with one
 * more part, or dropped.
 */
export function chooseBlocking(
  columns: readonly ColumnProfile[],
  sides: readonly (readonly MatchRecord[])[],
): BlockingKey[] {
  const usable = columns.filter((c) => c.missing < 0.5);
  const candidates: BlockingKey[] = [];
  for (const c of usable) {
    if (c.kind === 'date' || c.kind === 'identifier' || c.kind === 'email' || c.kind === 'phone') {
      candidates.push([{ field: c.name, transform: 'exact' }]);
    }
    if (c.kind === 'name') candidates.push([{ field: c.name, transform: 'phonetic' }]);
  }
  const names = usable
    .filter((c) => c.kind === 'name')
    .sort((a, b) => b.distinctCount - a.distinctCount);
  const codes = usable
    .filter((c) => c.kind === 'code' || c.kind === 'category')
    .sort((a, b) => b.distinctCount - a.distinctCount);
  const [firstName, secondName] = names;
  if (codes[0] && firstName)
    candidates.push([
      { field: codes[0].name, transform: 'exact' },
      { field: firstName.name, transform: 'prefix3' },
    ]);
  if (firstName && secondName) {
    candidates.push([
      { field: firstName.name, transform: 'prefix3' },
      { field: secondName.name, transform: 'prefix3' },
    ]);
  }
  // Parts that can refine a key that makes too many pairs.
  const refiners: BlockingKey[number][] = [
    ...names.map((c) => ({ field: c.name, transform: 'prefix3' as const })),
    ...usable
      .filter((c) => c.kind === 'date')
      .map((c) => ({ field: c.name, transform: 'year' as const })),
    ...codes.map((c) => ({ field: c.name, transform: 'exact' as const })),
  ];
  const records = sides.reduce((n, side) => n + side.length, 0);
  const budget = Math.max(20_000, PAIRS_PER_RECORD * records);
  const chosen: { key: BlockingKey; pairs: number }[] = [];
  const pairCount = pairCounter(sides);
  for (const key of candidates) {
    let best = { key, pairs: pairCount(key) };
    if (best.pairs > budget) {
      for (const part of refiners) {
        if (key.some((p) => p.field === part.field)) continue;
        const refined = [...key, part];
        const pairs = pairCount(refined);
        if (pairs <= budget && (best.pairs > budget || pairs > best.pairs))
          best = { key: refined, pairs };
      }
    }
    if (best.pairs <= budget && best.pairs > 0) chosen.push(best);
  }
  // Exact keys on identifying fields first (cheap and decisive), then the others, the ones bringing
  // the most pairs within budget first (they cover the most typos); eight at most.
  const identifying = (k: BlockingKey) => k.length === 1 && k[0]?.transform === 'exact';
  const keys = chosen
    .sort((a, b) => Number(identifying(b.key)) - Number(identifying(a.key)) || b.pairs - a.pairs)
    .slice(0, 8)
    .map((k) => k.key);
  if (keys.length > 0) return keys;
  const best = [...usable].sort((a, b) => b.distinctCount - a.distinctCount)[0] ?? columns[0];
  return best ? [[{ field: best.name, transform: 'exact' }]] : [];
}

/** Candidate pairs per record a blocking key may bring, at most (beyond a floor for small files). */
const PAIRS_PER_RECORD = 5;

/**
 * Counts how many pairs a key's blocks hold: n(n-1)/2 per block in dedup, left x right in
 * linkage. Each part's value per record is computed once, since keys are tried in many combinations.
 */
function pairCounter(sides: readonly (readonly MatchRecord[])[]): (key: BlockingKey) => number {
  const parts = new Map<string, (string | undefined)[][]>();
  const partValues = (part: BlockingKey[number]) => {
    const id = `${part.transform}:${part.field}`;
    let values = parts.get(id);
    if (values === undefined) {
      values = sides.map((side) => side.map((r) => blockValue(r, [part])));
      parts.set(id, values);
    }
    return values;
  };
  return (key) => {
    const columns = key.map(partValues);
    const sizes = sides.map((side, s) => {
      const counts = new Map<string, number>();
      for (let i = 0; i < side.length; i++) {
        let value = '';
        for (const column of columns) {
          const v = column[s]?.[i];
          if (v === undefined) {
            value = '';
            break;
          }
          value += `${v}\u0000`;
        }
        if (value !== '') counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      return counts;
    });
    const [left, right] = sizes;
    let pairs = 0;
    for (const [value, n] of left ?? [])
      pairs += right ? n * (right.get(value) ?? 0) : (n * (n - 1)) / 2;
    return pairs;
  };
}
