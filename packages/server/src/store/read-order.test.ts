import { describe, expect, it } from 'vitest';
import { ReadOrder } from './read-order.js';

/** A list in a store, read through answers the test releases in any order. */
function heldList(initial: string[]) {
  let rows = [...initial];
  const pending: { resolve: (rows: string[]) => void; rows: string[] }[] = [];
  return {
    set: (next: string[]) => {
      rows = [...next];
    },
    reads: () => pending.length,
    /** Answers the read begun `index`-th among those waiting, with what the store held when it began. */
    answer: (index: number) => {
      const [read] = pending.splice(index, 1);
      read?.resolve(read.rows);
    },
    read: () =>
      new Promise<string[]>((resolve) => {
        pending.push({ resolve, rows: [...rows] });
      }),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadOrder', () => {
  it('keeps the later reading when an earlier one ends after it', async () => {
    const store = heldList(['a', 'revoked']);
    const order = new ReadOrder();
    let memory: string[] = [];
    const first = order.read(store.read, (rows) => (memory = rows));
    store.set(['a']); // revoked meanwhile, on another node
    const second = order.read(store.read, (rows) => (memory = rows));
    store.answer(1); // the later reading ends first
    await second;
    expect(memory).toEqual(['a']);
    store.answer(0); // the earlier one, slow, ends after it
    await first;
    expect(memory).toEqual(['a']); // not brought back
  });

  it('reads again when a change made here came while it read', async () => {
    const store = heldList(['x']);
    const order = new ReadOrder();
    const memory = new Set<string>();
    const reading = order.read(store.read, (rows) => {
      memory.clear();
      for (const r of rows) memory.add(r);
    });
    // Here: the store first, then memory (an erasure suppressing y).
    store.set(['x', 'y']);
    memory.add('y');
    order.changed();
    store.answer(0); // the reading began before y was stored: it must not drop y
    await settle();
    expect(store.reads()).toBe(1); // it reads again
    store.answer(0);
    await reading;
    expect([...memory].sort()).toEqual(['x', 'y']);
  });

  it('applies readings that end in the order they began', async () => {
    const store = heldList(['1']);
    const order = new ReadOrder();
    const applied: string[][] = [];
    const first = order.read(store.read, (rows) => applied.push(rows));
    store.set(['1', '2']);
    const second = order.read(store.read, (rows) => applied.push(rows));
    store.answer(0);
    await first;
    store.answer(0);
    await second;
    expect(applied).toEqual([['1'], ['1', '2']]);
  });
});
