import { describe, expect, it } from 'vitest';
import { blockValue, candidatePairs, type CandidatePairs } from './block-records.js';
import type { BlockingKey } from './matching.schema.js';

const rec = (id: string, surname: string, zip: string) => ({ id, fields: { surname, zip } });
const pairList = (p: CandidatePairs) =>
  Array.from({ length: p.count }, (_, n) => [p.left[n], p.right[n]]);
const bySound: BlockingKey = [{ field: 'surname', transform: 'phonetic' }];
const byZip: BlockingKey = [{ field: 'zip', transform: 'exact' }];

describe('blockValue', () => {
  it.each([
    [[{ field: 'surname', transform: 'exact' }], ' Smith ', 'smith'],
    [[{ field: 'surname', transform: 'prefix3' }], 'Smith', 'smi'],
    [[{ field: 'surname', transform: 'phonetic' }], 'Smyth', 'SM0'],
    [[{ field: 'surname', transform: 'year' }], '1980-01-02', '1980'],
    [[{ field: 'surname', transform: 'digits4' }], '(415) 555', '4155'],
    [[{ field: 'surname', transform: 'exact' }], '', undefined],
    [
      [
        { field: 'surname', transform: 'exact' },
        { field: 'zip', transform: 'exact' },
      ],
      'smith',
      undefined,
    ],
  ] as [BlockingKey, string, string | undefined][])('%j of %j', (key, surname, expected) => {
    expect(blockValue({ id: 'x', fields: { surname } }, key)).toBe(expected);
  });
});

describe('candidatePairs', () => {
  it('takes the union of the keys’ blocks and lists each pair once', () => {
    const records = [
      rec('a', 'smith', '1000'),
      rec('b', 'smyth', '1000'),
      rec('c', 'smith', '2000'),
      rec('d', 'jones', '3000'),
    ];
    const blocked = candidatePairs(records, undefined, [bySound, byZip], 10);
    expect(
      pairList(blocked)
        .map(([i, j]) => `${records[i ?? 0]?.id}${records[j ?? 0]?.id}`)
        .sort(),
    ).toEqual(['ab', 'ac', 'bc']);
    expect(blocked).toMatchObject({ count: 3, blocks: 2, skippedBlocks: 0 });
  });

  it('skips blocks over the size limit, and a pair in one is still found by another key', () => {
    const records = [
      rec('a', 'smith', '1000'),
      rec('b', 'smith', '1000'),
      rec('c', 'smith', '2000'),
    ];
    const blocked = candidatePairs(records, undefined, [bySound, byZip], 2);
    expect(blocked.skippedBlocks).toBe(1);
    expect(pairList(blocked)).toEqual([[0, 1]]);
  });

  it('links two sets: pairs go from left to right only', () => {
    const left = [rec('l1', 'smith', '1')];
    const right = [rec('r1', 'smith', '2'), rec('r2', 'brown', '1'), rec('r3', 'smith', '1')];
    const blocked = candidatePairs(
      left,
      right,
      [[{ field: 'surname', transform: 'exact' }], byZip],
      10,
    );
    expect(pairList(blocked)).toEqual([
      [0, 0],
      [0, 2],
      [0, 1],
    ]);
  });

  it('grows past its first buffer', () => {
    const records = Array.from({ length: 100 }, (_, i) => rec(`r${i}`, 'smith', String(i)));
    expect(candidatePairs(records, undefined, [bySound], 100).count).toBe((100 * 99) / 2);
  });
});
