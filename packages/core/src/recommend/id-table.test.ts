import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { addId, idAt, idTable, idsOf, indexOfId, type IdTable } from './id-table.js';

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
    expectLike(idTable(all), all);
  });

  it('answers -1 and undefined for what it does not hold', () => {
    const table = idTable(['a', 'b', 'c']);
    for (const absent of ['d', '', 'ab', 'A', 'a '])
      expect(indexOfId(table, absent), absent).toBe(-1);
    for (const out of [-1, 3, 1.5, NaN]) expect(idAt(table, out)).toBeUndefined();
  });

  it('keeps the first number of an id given twice', () => {
    const table = idTable(['x', 'y', 'x', 'z']);
    expect([table.length, indexOfId(table, 'x'), indexOfId(table, 'z')]).toEqual([3, 0, 2]);
    expect(addId(table, 'y')).toBe(1);
    expect(table.length).toBe(3);
  });

  it('grows by appends from empty, as from a sized start', () => {
    const all = ids(20_000, 11);
    const grown = idTable([]);
    all.forEach((id, i) => {
      expect(addId(grown, id)).toBe(i);
    });
    expectLike(grown, all);
    expectLike(idTable(all, all.length), all);
  });

  it('survives v8 serialization (a worker message, a cached fit) as plain data', () => {
    const all = [...odd, ...ids(300)];
    const copy = deserialize(serialize(idTable(all))) as IdTable;
    expectLike(copy, all);
    expect(addId(copy, 'new')).toBe(copy.length - 1);
  });

  it('reads an array as a list of ids too', () => {
    expect([idAt(['a', 'b'], 1), idAt(['a', 'b'], 2)]).toEqual(['b', undefined]);
  });

  it('gives its ids back as an array, in order', () => {
    const all = [...odd, ...ids(100)];
    expect(idsOf(idTable(all))).toEqual(all);
    expect(idsOf(['q', 'r'])).toEqual(['q', 'r']);
  });
});
