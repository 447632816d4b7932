import type { BlockingKey, MatchRecord } from './matching.schema.js';
import { phoneticCodes } from './phonetic-codes.js';

/** A key's value for a record, or undefined when a field it needs is missing. */
export function blockValue(record: MatchRecord, key: BlockingKey): string | undefined {
  const parts: string[] = [];
  for (const { field, transform } of key) {
    const raw = record.fields[field]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return undefined;
    let part: string;
    switch (transform) {
      case 'exact':
        part = raw;
        break;
      case 'prefix3':
        part = raw.slice(0, 3);
        break;
      case 'phonetic':
        part = phoneticCodes(raw)[0];
        break;
      case 'year':
      case 'digits4':
        part = raw.replace(/\D/g, '').slice(0, 4);
        break;
    }
    if (part === '') return undefined;
    parts.push(part);
  }
  return parts.join('\u0000');
}

/** Candidate pairs as two parallel arrays of record indexes (left, and right or left again). */
export interface CandidatePairs {
  left: Int32Array;
  right: Int32Array;
  count: number;
  /** Blocks that gave pairs, and blocks skipped for being over maxBlockSize. */
  blocks: number;
  skippedBlocks: number;
}

/**
 * Candidate pairs: records that agree on every part of at least one blocking key (the union of
 * the keys' blocks), each pair once: a pair a key finds is skipped when an earlier key already
 * put both records in one block. With `right`, pairs are (left, right); without, i < j within
 * `left`. Blocks larger than `maxBlockSize` are skipped and counted: they would cost quadratic time.
 */
export function candidatePairs(
  left: readonly MatchRecord[],
  right: readonly MatchRecord[] | undefined,
  keys: readonly BlockingKey[],
  maxBlockSize: number,
): CandidatePairs {
  const out: CandidatePairs = {
    left: new Int32Array(1024),
    right: new Int32Array(1024),
    count: 0,
    blocks: 0,
    skippedBlocks: 0,
  };
  const push = (i: number, j: number) => {
    if (out.count === out.left.length) {
      out.left = grow(out.left);
      out.right = grow(out.right);
    }
    out.left[out.count] = i;
    out.right[out.count] = j;
    out.count++;
  };
  // Per key, each record's block number (-1: no value, or its block was skipped).
  const earlier: { l: Int32Array; r: Int32Array }[] = [];
  const coveredBefore = (i: number, j: number) =>
    earlier.some(({ l, r }) => l[i] !== -1 && l[i] === r[j]);
  for (const key of keys) {
    const numbers = new Map<string, number>();
    const members: { l: number[]; r: number[] }[] = [];
    const place = (records: readonly MatchRecord[], side: 'l' | 'r') => {
      const blockOf = new Int32Array(records.length).fill(-1);
      records.forEach((record, i) => {
        const value = blockValue(record, key);
        if (value === undefined) return;
        let n = numbers.get(value);
        if (n === undefined) {
          n = members.length;
          numbers.set(value, n);
          members.push({ l: [], r: [] });
        }
        members[n]?.[side].push(i);
        blockOf[i] = n;
      });
      return blockOf;
    };
    const l = place(left, 'l');
    const r = right ? place(right, 'r') : l;
    for (const block of members) {
      const size = right
        ? block.l.length * block.r.length
        : (block.l.length * (block.l.length - 1)) / 2;
      if (size === 0) continue;
      if (block.l.length + block.r.length > maxBlockSize) {
        out.skippedBlocks++;
        for (const i of block.l) l[i] = -1;
        for (const j of block.r) r[j] = -1;
        continue;
      }
      out.blocks++;
      const other = right ? block.r : block.l;
      for (let a = 0; a < block.l.length; a++) {
        const i = block.l[a] ?? 0;
        for (let b = right ? 0 : a + 1; b < other.length; b++) {
          const j = other[b] ?? 0;
          if (!coveredBefore(i, j)) push(i, j);
        }
      }
    }
    earlier.push({ l, r });
  }
  return out;
}

function grow(array: Int32Array): Int32Array {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
