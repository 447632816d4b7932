import { phoneticCode } from './compare-values.js';
import type { BlockingKey, MatchRecord } from './matching.schema.js';

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
        part = phoneticCode(raw);
        break;
      case 'year':
        part = raw.replace(/\D/g, '').slice(0, 4);
        break;
      case 'digits4':
        part = raw.replace(/\D/g, '').slice(0, 4);
        break;
    }
    if (part === '') return undefined;
    parts.push(part);
  }
  return parts.join('\u0000');
}

/**
 * Candidate pairs: records that agree on every part of at least one blocking key (the union of
 * the keys' blocks), each pair once. With `right`, pairs are (left, right); without, i < j within
 * `left`. Blocks larger than `maxBlockSize` are skipped and counted: they would cost quadratic time.
 * Pairs are returned as [leftIndex, rightIndex].
 */
export function candidatePairs(
  left: readonly MatchRecord[],
  right: readonly MatchRecord[] | undefined,
  keys: readonly BlockingKey[],
  maxBlockSize: number,
): { pairs: [number, number][]; blocks: number; skippedBlocks: number } {
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  const width = (right ?? left).length;
  let blocks = 0;
  let skippedBlocks = 0;
  for (const key of keys) {
    const groups = new Map<string, { l: number[]; r: number[] }>();
    const place = (records: readonly MatchRecord[], side: 'l' | 'r') => {
      records.forEach((record, i) => {
        const value = blockValue(record, key);
        if (value === undefined) return;
        let group = groups.get(value);
        if (group === undefined) {
          group = { l: [], r: [] };
          groups.set(value, group);
        }
        group[side].push(i);
      });
    };
    place(left, 'l');
    if (right) place(right, 'r');
    for (const { l, r } of groups.values()) {
      const size = right ? l.length * r.length : (l.length * (l.length - 1)) / 2;
      if (size === 0) continue;
      if (l.length + r.length > maxBlockSize) {
        skippedBlocks++;
        continue;
      }
      blocks++;
      const add = (i: number, j: number) => {
        const code = i * width + j;
        if (seen.has(code)) return;
        seen.add(code);
        pairs.push([i, j]);
      };
      if (right) for (const i of l) for (const j of r) add(i, j);
      else for (let a = 0; a < l.length; a++) for (let b = a + 1; b < l.length; b++) add(l[a] ?? 0, l[b] ?? 0);
    }
  }
  return { pairs, blocks, skippedBlocks };
}
