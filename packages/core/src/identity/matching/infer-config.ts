import { blockValue } from './block-records.js';
import type { BlockingKey, Comparator, FieldSpec, MatchConfig, MatchRecord } from './matching.schema.js';

/** What the matcher learns about a column before choosing how to use it. */
export interface ColumnProfile {
  name: string;
  missing: number;
  /** Distinct values / present values. */
  distinct: number;
  distinctCount: number;
  numeric: number;
  dateLike: number;
  meanLength: number;
  kind: 'name' | 'date' | 'identifier' | 'code' | 'category' | 'text' | 'number' | 'email' | 'phone';
}

const NAME_WORDS = /(^|[_\s.-])(first|given|last|sur|family|middle|full)?_?name|surname|forename|city|suburb|town|street|address|locality/i;
const DATE_WORDS = /dob|birth|date|_at$|day/i;
const ID_WORDS = /ssn|soc|sec|passport|licen[cs]e|national|tax|account|member|loyalty|customer|crm|id$/i;

/**
 * Chooses comparators and blocking keys from the columns themselves: their names, how often they
 * are missing, how distinct they are, and whether they look like dates, numbers or text. The id
 * column is never used. `overrides` replaces any part of the result (a config file).
 */
export function inferMatchConfig(
  sides: readonly (readonly MatchRecord[])[],
  overrides: Partial<MatchConfig> = {},
): MatchConfig {
  const records = sides.flat();
  const columns = profileColumns(records).filter((c) => c.missing < 0.8 && c.distinctCount > 1);
  const fields: FieldSpec[] = columns.map((c) => ({ name: c.name, comparator: comparatorFor(c) }));
  return {
    fields: overrides.fields ?? fields,
    blocking: overrides.blocking ?? chooseBlocking(columns, records),
    upper: overrides.upper ?? 0.9,
    lower: overrides.lower ?? 0.5,
    maxBlockSize: overrides.maxBlockSize ?? 500,
    iterations: overrides.iterations ?? 100,
  };
}

export function profileColumns(records: readonly MatchRecord[]): ColumnProfile[] {
  const names = new Set<string>();
  for (const r of records) for (const k of Object.keys(r.fields)) names.add(k);
  return [...names].map((name) => {
    const values: string[] = [];
    for (const r of records) {
      const v = r.fields[name]?.trim();
      if (v !== undefined && v !== '') values.push(v.toLowerCase());
    }
    const present = Math.max(1, values.length);
    const distinctCount = new Set(values).size;
    const numeric = values.filter((v) => /^-?\d+(\.\d+)?$/.test(v)).length / present;
    const dateLike = values.filter(looksLikeDate).length / present;
    const meanLength = values.reduce((a, v) => a + v.length, 0) / present;
    const profile = {
      name,
      missing: 1 - values.length / Math.max(1, records.length),
      distinct: distinctCount / present,
      distinctCount,
      numeric,
      dateLike,
      meanLength,
    };
    return { ...profile, kind: kindOf(profile, values) };
  });
}

function looksLikeDate(v: string): boolean {
  const digits = /^\d{8}$/.test(v) ? v : /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10).replaceAll('-', '') : undefined;
  if (digits === undefined) return false;
  const year = Number(digits.slice(0, 4));
  const month = Number(digits.slice(4, 6));
  return year >= 1850 && year <= 2100 && month >= 1 && month <= 12;
}

function kindOf(c: Omit<ColumnProfile, 'kind'>, values: string[]): ColumnProfile['kind'] {
  const sample = values.slice(0, 200);
  if (sample.filter((v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)).length > sample.length * 0.6) return 'email';
  if (c.dateLike > 0.6 || (DATE_WORDS.test(c.name) && c.dateLike > 0.3)) return 'date';
  if (c.distinctCount <= 30) return 'category';
  if (c.numeric > 0.8) {
    if (/phone|mobile|tel/i.test(c.name)) return 'phone';
    if (c.meanLength >= 6 && c.distinct > 0.5) return 'identifier';
    if (c.meanLength >= 3) return 'code';
    return 'number';
  }
  if (NAME_WORDS.test(c.name) || (c.numeric < 0.2 && c.meanLength <= 30)) return 'name';
  if (ID_WORDS.test(c.name) && c.distinct > 0.5) return 'identifier';
  return 'text';
}

function comparatorFor(c: ColumnProfile): Comparator {
  switch (c.kind) {
    case 'name':
    case 'text':
      return 'jaro_winkler';
    case 'email':
    case 'identifier':
    case 'phone':
    case 'code':
      return 'levenshtein';
    case 'date':
      return 'date';
    case 'number':
    case 'category':
      return 'exact';
  }
}

/**
 * Several keys, unioned, so that a typo in one field still leaves the pair in another key's
 * block: each selective field alone (dates, identifiers), names by sound, and pairs of weaker
 * fields (a code with a name's first letters). Each key's pair count is measured on the records;
 * a key over the budget (a few pairs per record, so the work grows linearly) is refined with one
 * more part, or dropped.
 */
function chooseBlocking(columns: readonly ColumnProfile[], records: readonly MatchRecord[]): BlockingKey[] {
  const usable = columns.filter((c) => c.missing < 0.5);
  const candidates: BlockingKey[] = [];
  for (const c of usable) {
    if (c.kind === 'date' || c.kind === 'identifier' || c.kind === 'email' || c.kind === 'phone') {
      candidates.push([{ field: c.name, transform: 'exact' }]);
    }
    if (c.kind === 'name') candidates.push([{ field: c.name, transform: 'phonetic' }]);
  }
  const names = usable.filter((c) => c.kind === 'name').sort((a, b) => b.distinctCount - a.distinctCount);
  const codes = usable.filter((c) => c.kind === 'code' || c.kind === 'category').sort((a, b) => b.distinctCount - a.distinctCount);
  const [firstName, secondName] = names;
  if (codes[0] && firstName) candidates.push([{ field: codes[0].name, transform: 'exact' }, { field: firstName.name, transform: 'prefix3' }]);
  if (firstName && secondName) {
    candidates.push([{ field: firstName.name, transform: 'prefix3' }, { field: secondName.name, transform: 'prefix3' }]);
  }
  // Parts that can refine a key that makes too many pairs.
  const refiners: BlockingKey[number][] = [
    ...names.map((c) => ({ field: c.name, transform: 'prefix3' as const })),
    ...usable.filter((c) => c.kind === 'date').map((c) => ({ field: c.name, transform: 'year' as const })),
    ...codes.map((c) => ({ field: c.name, transform: 'exact' as const })),
  ];
  const budget = Math.max(20_000, PAIRS_PER_RECORD * records.length);
  const chosen: { key: BlockingKey; pairs: number }[] = [];
  for (const key of candidates) {
    let best = { key, pairs: pairCount(records, key) };
    if (best.pairs > budget) {
      for (const part of refiners) {
        if (key.some((p) => p.field === part.field)) continue;
        const refined = [...key, part];
        const pairs = pairCount(records, refined);
        if (pairs <= budget && (best.pairs > budget || pairs > best.pairs)) best = { key: refined, pairs };
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

/** How many pairs a key's blocks hold: the sum over blocks of n(n-1)/2. */
function pairCount(records: readonly MatchRecord[], key: BlockingKey): number {
  const sizes = new Map<string, number>();
  for (const r of records) {
    const value = blockValue(r, key);
    if (value !== undefined) sizes.set(value, (sizes.get(value) ?? 0) + 1);
  }
  let pairs = 0;
  for (const n of sizes.values()) pairs += (n * (n - 1)) / 2;
  return pairs;
}
