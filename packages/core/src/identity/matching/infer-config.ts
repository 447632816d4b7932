import { chooseBlocking } from './choose-blocking.js';
import type { Comparator, FieldSpec, MatchConfig, MatchRecord } from './matching.schema.js';
import { profileColumns, namesQuantity, type ColumnProfile } from './profile-columns.js';

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
  const fields = withSwaps(columns.map((c) => ({ name: c.name, comparator: comparatorFor(c) })));
  return {
    fields: overrides.fields ?? fields,
    blocking: overrides.blocking ?? chooseBlocking(columns, sides),
    upper: overrides.upper ?? 0.9,
    lower: overrides.lower ?? 0.5,
    maxBlockSize: overrides.maxBlockSize ?? 500,
    iterations: overrides.iterations ?? 100,
  };
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
      // Quantities (age, amounts) are close within a few per cent; short whole numbers (house numbers) are not.
      return namesQuantity(c.name) || c.meanLength > 3 ? 'numeric' : 'exact';
    case 'category':
      return 'exact';
  }
}

const GIVEN = /^(first|given|fore|christian)[_\s.-]?names?$|^(first|given)$/i;
const FAMILY = /^(last|sur|family)[_\s.-]?names?$|^(last|surname)$/i;

/**
 * Fields people often enter in each other's place, compared crosswise too: a given name and a
 * surname (one of each), and numbered lines of the same thing (address_1 and address_2).
 * Nested paths (address.firstName) are read by their last part.
 */
function withSwaps(fields: FieldSpec[]): FieldSpec[] {
  const last = (name: string) => name.split('.').pop() ?? name;
  const textual = fields.filter(
    (f) => f.comparator === 'jaro_winkler' || f.comparator === 'levenshtein',
  );
  const pairs: [string, string][] = [];
  const given = textual.filter((f) => GIVEN.test(last(f.name)));
  const family = textual.filter((f) => FAMILY.test(last(f.name)));
  if (given.length === 1 && family.length === 1 && given[0] && family[0])
    pairs.push([given[0].name, family[0].name]);
  const lines = new Map<string, string[]>();
  for (const f of textual) {
    const stem = /^(.*?)[_\s.-]?[12]$/.exec(f.name)?.[1];
    if (stem) lines.set(stem, [...(lines.get(stem) ?? []), f.name]);
  }
  for (const names of lines.values())
    if (names.length === 2 && names[0] && names[1]) pairs.push([names[0], names[1]]);
  const partner = new Map(
    pairs.flatMap(
      ([a, b]) =>
        [
          [a, b],
          [b, a],
        ] as const,
    ),
  );
  return fields.map((f) => {
    const other = partner.get(f.name);
    return other === undefined ? f : { ...f, swapWith: other };
  });
}
