import { describe, expect, it } from 'vitest';
import { prepareColumns, recordComparer } from './compare-records.js';
import { fieldLevels } from './compare-values.js';
import type { FieldSpec } from './matching.schema.js';

const people = [
  { id: 'a', fields: { given: 'Anne', family: 'Smith', dob: '1980-01-12' } },
  { id: 'b', fields: { given: 'smith', family: 'anne', dob: '19800112' } },
  { id: 'c', fields: { given: 'annie', family: 'smith', dob: undefined } },
  { id: 'd', fields: { given: 'smith', family: 'jones', dob: '19800121' } },
];

function levels(fields: FieldSpec[], remember: boolean) {
  const compare = recordComparer(prepareColumns(fields, people, undefined), remember);
  const out = new Int8Array(fields.length);
  return (i: number, j: number) => {
    compare(i, j, out);
    return Object.fromEntries(
      fields.map((f, k) => [f.name, fieldLevels(f)[out[k] ?? -1] ?? 'missing']),
    );
  };
}

describe('recordComparer', () => {
  it.each([true, false])(
    'compares prepared values the way compareValues does (remembering: %s)',
    (remember) => {
      const at = levels(
        [
          { name: 'given', comparator: 'jaro_winkler' },
          { name: 'dob', comparator: 'date' },
        ],
        remember,
      );
      expect(at(0, 2)).toEqual({ given: 'close', dob: 'missing' });
      expect(at(0, 1)).toEqual({ given: 'different', dob: 'same' });
      expect(at(1, 3)).toEqual({ given: 'same', dob: 'close' });
      expect(at(0, 2)).toEqual({ given: 'close', dob: 'missing' });
    },
  );

  it('sees a given name and a surname entered in each other’s place as swapped', () => {
    const at = levels(
      [
        { name: 'given', comparator: 'jaro_winkler', swapWith: 'family' },
        { name: 'family', comparator: 'jaro_winkler', swapWith: 'given' },
      ],
      true,
    );
    expect(fieldLevels({ comparator: 'jaro_winkler', swapWith: 'family' })).toEqual([
      'different',
      'swapped',
      'similar',
      'close',
      'same',
    ]);
    expect(at(0, 1)).toEqual({ given: 'swapped', family: 'swapped' });
    expect(at(0, 2)).toEqual({ given: 'close', family: 'same' });
    // Only one of the two crosses agrees: not a swap.
    expect(at(0, 3)).toEqual({ given: 'different', family: 'different' });
  });
});
