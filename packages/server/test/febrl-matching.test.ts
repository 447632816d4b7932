import { fileURLToPath } from 'node:url';
import { inferMatchConfig, matchRecords, type MatchResult } from '@tailor/core';
import { describe, expect, it } from 'vitest';
import { readMatchFile } from '../src/matching/read-match-file.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/febrl/${name}`, import.meta.url));
const person = (id: string) => /^rec-(\d+)-/.exec(id)?.[1] ?? id;

/** Precision, recall and F1 of the `match` pairs against FEBRL's truth (same N in rec-N-…). */
function score(result: MatchResult, ids: string[]) {
  const sizes = new Map<string, number>();
  for (const id of ids) sizes.set(person(id), (sizes.get(person(id)) ?? 0) + 1);
  let truePairs = 0;
  for (const n of sizes.values()) truePairs += (n * (n - 1)) / 2;
  const predicted = result.pairs.filter((p) => p.decision === 'match');
  const correct = predicted.filter((p) => person(p.leftId) === person(p.rightId)).length;
  const precision = correct / predicted.length;
  const recall = correct / truePairs;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}

describe('FEBRL deduplication, zero-config (the matcher chooses fields and blocking itself)', () => {
  it.each(['dataset1.csv', 'dataset2.csv', 'dataset3.csv'])(
    '%s: F1 >= 0.98',
    (file) => {
      const records = readMatchFile(fixture(file), 'rec_id');
      const result = matchRecords(records, undefined, inferMatchConfig([records]));
      const s = score(
        result,
        records.map((r) => r.id),
      );
      expect(s.f1).toBeGreaterThanOrEqual(0.98);
      expect(s.precision).toBeGreaterThanOrEqual(0.98);
      expect(result.model.converged).toBe(true);
    },
    60_000,
  );

  it('links two files: the originals to their duplicates', () => {
    const records = readMatchFile(fixture('dataset1.csv'), 'rec_id');
    const originals = records.filter((r) => r.id.endsWith('-org'));
    const duplicates = records.filter((r) => !r.id.endsWith('-org'));
    const result = matchRecords(originals, duplicates, inferMatchConfig([originals, duplicates]));
    const matches = result.pairs.filter((p) => p.decision === 'match');
    const correct = matches.filter((p) => person(p.leftId) === person(p.rightId)).length;
    expect(matches.every((p) => p.leftId.endsWith('-org') && !p.rightId.endsWith('-org'))).toBe(
      true,
    );
    expect(correct / matches.length).toBeGreaterThanOrEqual(0.98);
    expect(correct / duplicates.length).toBeGreaterThanOrEqual(0.98);
  }, 60_000);

  it('finds nothing among records that have no duplicates', () => {
    for (const file of ['dataset1.csv', 'dataset3.csv']) {
      const originals = readMatchFile(fixture(file), 'rec_id').filter((r) => r.id.endsWith('-org'));
      const result = matchRecords(originals, undefined, inferMatchConfig([originals]));
      expect(result.pairs.filter((p) => p.decision === 'match')).toEqual([]);
    }
  }, 60_000);
});
