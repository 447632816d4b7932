import { describe, expect, it } from 'vitest';
import { inferMatchConfig } from './infer-config.js';
import { matchRecords } from './match-records.js';
import type { MatchRecord, MatchResult } from './matching.schema.js';
import { testPeople } from './test-people.fixture.js';

const key = (a: string, b: string) => [a, b].sort().join('=');
const matched = (result: MatchResult) =>
  result.pairs.filter((p) => p.decision === 'match').map((p) => key(p.leftId, p.rightId));

/** Copies of some people with one typo, one swapped date and one missing value each. */
function withDuplicates(people: MatchRecord[], every: number): MatchRecord[] {
  const dups = people
    .filter((_, i) => i % every === 0)
    .map((p, k) => {
      const f = { ...p.fields };
      const name = f.surname ?? '';
      f.surname = name.slice(0, 2) + (name[3] ?? '') + (name[2] ?? '') + name.slice(4);
      if (k % 2 === 0) f.postcode = undefined;
      else f.date_of_birth = (f.date_of_birth ?? '').replace(/^(\d{4})(\d\d)(\d\d)$/, '$1$3$2');
      return { id: `${p.id}-dup`, fields: f };
    });
  return [...people, ...dups];
}

describe('matchRecords', () => {
  it('finds typo duplicates without labels and with no configuration', () => {
    const records = withDuplicates(testPeople(2000), 20);
    const result = matchRecords(records, undefined, inferMatchConfig([records]));
    const expected = records
      .filter((r) => r.id.endsWith('-dup'))
      .map((r) => key(r.id.replace('-dup', ''), r.id));
    expect(matched(result).sort()).toEqual(expected.sort());
    expect(result.model).toMatchObject({ identifiable: true, converged: true });
    // Agreeing on a date is strong evidence, disagreeing weak; a missing value weighs nothing.
    const dob = result.model.fields.find((f) => f.name === 'date_of_birth');
    expect(dob?.levels.map((l) => l.name)).toEqual(['different', 'close', 'same']);
    expect(dob?.levels[2]?.weight).toBeGreaterThan(5);
    expect(dob?.levels[0]?.weight).toBeLessThan(0);
    const pair = result.pairs.find((p) => p.leftId === 'x0' || p.rightId === 'x0');
    expect(pair?.comparison.postcode).toEqual({ left: '2000', right: null, level: 'missing' });
    expect(result.stats).toMatchObject({ records: 2100 });
    expect(result.stats.candidatePairs).toBeGreaterThan(0);
    expect(result.stats.patterns).toBeLessThan(result.stats.candidatePairs);
  });

  it('orders pairs by weight; probability follows the weight; decisions follow the thresholds', () => {
    // With namesakes: same name and place, another birth date and id (unsure pairs).
    const people = withDuplicates(testPeople(1000), 10);
    const namesakes = people.slice(0, 30).map((p, k) => ({
      id: `${p.id}-namesake`,
      fields: { ...p.fields, date_of_birth: `2001010${k % 9}`, soc_sec_id: `99${k}` },
    }));
    const records = [...people, ...namesakes];
    const result = matchRecords(records, undefined, {
      ...inferMatchConfig([records]),
      upper: 0.99,
      lower: 0.001,
    });
    const weights = result.pairs.map((p) => p.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    for (const p of result.pairs) {
      expect(p.probability).toBeGreaterThanOrEqual(0.001);
      expect(p.decision).toBe(p.probability >= 0.99 ? 'match' : 'review');
      expect(p.weight >= result.thresholds.upperWeight - 1e-9).toBe(p.decision === 'match');
    }
    expect(result.pairs.some((p) => p.decision === 'review')).toBe(true);
    // upper = 1: everything goes to review.
    const reviewOnly = matchRecords(records, undefined, {
      ...inferMatchConfig([records]),
      upper: 1,
    });
    expect(reviewOnly.pairs.every((p) => p.decision === 'review')).toBe(true);
    expect(reviewOnly.pairs.length).toBeGreaterThanOrEqual(100);
  });

  it('links two sets: pairs go from left to right', () => {
    const people = testPeople(1000);
    const right = withDuplicates(people, 10)
      .filter((r) => r.id.endsWith('-dup'))
      .map((r) => ({ id: `r-${r.id}`, fields: r.fields }));
    const result = matchRecords(people, right, inferMatchConfig([people, right]));
    const links = result.pairs.filter((p) => p.decision === 'match');
    expect(links.map((p) => `${p.leftId}>${p.rightId}`).sort()).toEqual(
      right.map((r) => `${r.id.slice(2, -4)}>${r.id}`).sort(),
    );
  });

  it('matches nothing in records without duplicates', () => {
    const records = testPeople(2000);
    const result = matchRecords(records, undefined, inferMatchConfig([records]));
    expect(matched(result)).toEqual([]);
  });

  it('reports progress by stage and is repeatable with a seed', () => {
    const records = withDuplicates(testPeople(500), 10);
    const stages = new Set<string>();
    const config = inferMatchConfig([records]);
    const first = matchRecords(records, undefined, config, {
      seed: 7,
      onProgress: (stage) => stages.add(stage),
    });
    expect([...stages]).toEqual(['blocking', 'comparing', 'estimating', 'scoring']);
    expect(matchRecords(records, undefined, config, { seed: 7 }).pairs).toEqual(first.pairs);
  });
});
