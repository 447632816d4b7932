import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { addId, idAt, idTable, idsOf, indexOfId, type IdTable } from './id-table.js';

const SEED = 0x9e3779b9;

/** Ids of every kind: ASCII, accents, emoji (surrogate pairs), a lone surrogate, empty, long. */
const odd = ['', 'a', 'é', 'ü-😀', '\ud800', 'x'.repeat(10_000), 'p:42', 'p:42 ', ' p:42'];

function ids(n: number, seed = 7): string[] {
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  return Array.from({ length: n }, (_, i) => `${next().toString(36)}-${i}`);
}

/** The table answers as an array and a Map of the same ids would. */
function expectLike(table: IdTable, reference: readonly string[]): void {
  const index = new Map<string, number>();
  reference.forEach((id, i) => {
    if (!index.has(id)) index.set(id, i);
  });
  expect(table.length).toBe(index.size);
  for (const [id, i] of index) {
    expect(idAt(table, i)).toBe(id);
    expect(indexOfId(table, id)).toBe(i);
  }
}

describe('idTable', () => {
  it('numbers ids in order and finds each, whatever its characters', () => {
    const all = [...odd, ...ids(5000)];
    expectLike(idTable(all, SEED), all);
  });

  it('answers -1 and undefined for what it does not hold', () => {
    const table = idTable(['a', 'b', 'c'], SEED);
    for (const absent of ['d', '', 'ab', 'A', 'a '])
      expect(indexOfId(table, absent), absent).toBe(-1);
    for (const out of [-1, 3, 1.5, NaN]) expect(idAt(table, out)).toBeUndefined();
  });

  it('keeps the first number of an id given twice', () => {
    const table = idTable(['x', 'y', 'x', 'z'], SEED);
    expect([table.length, indexOfId(table, 'x'), indexOfId(table, 'z')]).toEqual([3, 0, 2]);
    expect(addId(table, 'y')).toBe(1);
    expect(table.length).toBe(3);
  });

  it('grows by appends from empty, as from a sized start', () => {
    const all = ids(20_000, 11);
    const grown = idTable([], SEED);
    all.forEach((id, i) => {
      expect(addId(grown, id)).toBe(i);
    });
    expectLike(grown, all);
    expectLike(idTable(all, SEED, all.length), all);
  });

  it('survives v8 serialization (a worker message, a cached fit) as plain data', () => {
    const all = [...odd, ...ids(300)];
    const copy = deserialize(serialize(idTable(all, SEED))) as IdTable;
    expectLike(copy, all);
    expect(addId(copy, 'new')).toBe(copy.length - 1);
  });

  it('spreads ids picked to share a slot under one seed when hashed from another', () => {
    // 32 ids that all land in slot 0 of a 64-slot table hashed from seed 1 (found by trying).
    const crafted: string[] = [];
    for (let n = 0; crafted.length < 32; n++) {
      const id = `x${n}`;
      if (idTable([id], 1, 32).slots[0] === 1) crafted.push(id);
    }
    const longestRun = (table: IdTable): number => {
      let longest = 0;
      let run = 0;
      for (const slot of table.slots) longest = Math.max(longest, (run = slot === 0 ? 0 : run + 1));
      return longest;
    };
    const same = idTable(crafted, 1, 32);
    const other = idTable(crafted, 2, 32);
    expect(same.slots).toHaveLength(64);
    expect(longestRun(same)).toBe(32);
    expect(longestRun(other)).toBeLessThan(12);
    expectLike(same, crafted);
    expectLike(other, crafted);
  });

  it('reads an array as a list of ids too', () => {
    expect([idAt(['a', 'b'], 1), idAt(['a', 'b'], 2)]).toEqual(['b', undefined]);
  });

  it('gives its ids back as an array, in order', () => {
    const all = [...odd, ...ids(100)];
    expect(idsOf(idTable(all, SEED))).toEqual(all);
    expect(idsOf(['q', 'r'])).toEqual(['q', 'r']);
  });
});
