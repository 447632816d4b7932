import jaroWinkler from 'talisman/metrics/jaro-winkler.js';
import levenshtein from 'talisman/metrics/levenshtein.js';
import { describe, expect, it } from 'vitest';
import { candidatePairs } from './block-records.js';
import { compareValues } from './compare-values.js';
import { estimateModel, estimateU, type Pattern } from './estimate-model.js';
import { inferMatchConfig } from './infer-config.js';
import { matchRecords } from './match-records.js';
import reference from './string-metrics.reference.json' with { type: 'json' };

describe('string metrics against an independent implementation (jellyfish)', () => {
  it.each(reference.pairs)('$a / $b', ({ a, b, jaroWinkler: jw, levenshtein: lev }) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(jw, 12);
    expect(levenshtein(a, b)).toBe(lev);
  });
});

describe('compareValues: agreement levels', () => {
  it.each([
    ['jaro_winkler', 'Martha', ' martha ', 3],
    ['jaro_winkler', 'martha', 'marhta', 2],
    ['jaro_winkler', 'dwayne', 'duane', 0],
    ['jaro_winkler', 'jones', 'johnson', 0],
    ['jaro_winkler', 'shackleford', 'shackelford', 2],
    ['levenshtein', '6988048', '6988084', 1],
    ['levenshtein', '6988048', '6988049', 2],
    ['levenshtein', '6988048', '1234567', 0],
    ['exact', 'nsw', 'vic', 0],
    ['phonetic', 'smith', 'smyth', 1],
    ['phonetic', 'smith', 'jones', 0],
    ['numeric', '100', '104', 1],
    ['numeric', '100', '120', 0],
    ['date', '19081209', '19081209', 2],
    ['date', '19081209', '19081219', 1],
    ['date', '19081209', '19080912', 1],
    ['date', '19081209', '19550101', 0],
    ['jaro_winkler', '', 'x', -1],
    ['exact', undefined, 'x', -1],
  ] as const)('%s(%s, %s) = %i', (comparator, a, b, level) => {
    expect(compareValues(comparator, a, b)).toBe(level);
  });
});

describe('EM without labels', () => {
  it('recovers known m probabilities and match share from synthetic comparisons', () => {
    const m = [
      [0.05, 0.15, 0.8],
      [0.1, 0.9],
      [0.02, 0.08, 0.2, 0.7],
    ];
    const u = [
      [0.85, 0.1, 0.05],
      [0.7, 0.3],
      [0.9, 0.06, 0.03, 0.01],
    ];
    const prior = 0.15;
    let seed = 5;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const draw = (probs: number[]) => {
      let r = rand();
      for (let l = 0; l < probs.length; l++) if ((r -= probs[l] ?? 0) < 0) return l;
      return probs.length - 1;
    };
    const counts = new Map<string, Pattern>();
    for (let n = 0; n < 100_000; n++) {
      const table = rand() < prior ? m : u;
      const levels = table.map(draw);
      const key = levels.join();
      const p = counts.get(key) ?? { levels, count: 0 };
      p.count++;
      counts.set(key, p);
    }
    const model = estimateModel([...counts.values()], u, { iterations: 500 });
    expect(model.converged).toBe(true);
    expect(model.prior).toBeCloseTo(prior, 2);
    model.m.forEach((row, f) => {
      row.forEach((value, l) => {
        expect(Math.abs(value - (m[f]?.[l] ?? 0))).toBeLessThan(0.02);
        expect(Math.abs((model.u[f]?.[l] ?? 0) - (u[f]?.[l] ?? 0))).toBeLessThan(0.01);
      });
    });
  });

  it('estimates u from random pairs with smoothing', () => {
    const u = estimateU([{ levels: [0, 1], count: 8 }, { levels: [1, -1], count: 2 }], [2, 2]);
    expect(u[0]).toEqual([9 / 12, 3 / 12]);
    expect(u[1]).toEqual([1 / 10, 9 / 10]);
  });
});

describe('blocking', () => {
  const rec = (id: string, surname: string, zip: string) => ({ id, fields: { surname, zip } });
  it('compares each pair once across keys, and skips oversized blocks', () => {
    const records = [rec('a', 'smith', '1000'), rec('b', 'smyth', '1000'), rec('c', 'smith', '2000'), rec('d', 'jones', '3000')];
    const { pairs, skippedBlocks } = candidatePairs(records, undefined, [[{ field: 'surname', transform: 'phonetic' }], [{ field: 'zip', transform: 'exact' }]], 10);
    expect(pairs.map(([i, j]) => `${records[i]?.id}${records[j]?.id}`).sort()).toEqual(['ab', 'ac', 'bc']);
    expect(skippedBlocks).toBe(0);
    expect(candidatePairs(records, undefined, [[{ field: 'surname', transform: 'phonetic' }]], 2).skippedBlocks).toBe(1);
  });

  it('links two sets: pairs go from left to right only', () => {
    const left = [rec('l1', 'smith', '1')];
    const right = [rec('r1', 'smith', '2'), rec('r2', 'brown', '1')];
    const { pairs } = candidatePairs(left, right, [[{ field: 'surname', transform: 'exact' }], [{ field: 'zip', transform: 'exact' }]], 10);
    expect(pairs).toEqual([[0, 0], [0, 1]]);
  });
});

/** A made-up word per number, from syllables: distinct strings that do not share prefixes. */
function word(n: number, syllables: number): string {
  const parts = ['ka', 'lo', 'mi', 'ru', 'te', 'zo', 'ba', 'ne', 'fi', 'go', 'shu', 'va', 'pe', 'di', 'yo'];
  let out = '';
  for (let k = 0, x = n * 2654435761; k < syllables; k++, x = Math.floor(x / parts.length)) out += parts[x % parts.length] ?? '';
  return out;
}

describe('zero-config matching', () => {
  it('chooses comparators from the columns and finds typo duplicates', () => {
    const people = [
      ['p1', 'anne', 'smith', '19800112', '2000'],
      ['p2', 'anne', 'smyth', '19800112', '2000'],
      ['p3', 'bob', 'jones', '19751203', '3000'],
      ['p4', 'robert', 'jones', '19620409', '3100'],
      ['p5', 'carla', 'diaz', '19900230', '4000'],
      ['p6', 'karla', 'diaz', '19900230', '4000'],
      ...Array.from({ length: 80 }, (_, i) => [`x${i}`, word(i, 2), word(i * 7 + 3, 3), `19${50 + ((i * 13) % 45)}0${1 + (i % 9)}${10 + ((i * 7) % 18)}`, `${5000 + i * 37}`]),
    ].map(([id, given, surname, dob, zip]) => ({ id: id ?? '', fields: { given_name: given, surname, date_of_birth: dob, postcode: zip } }));
    const config = inferMatchConfig([people]);
    expect(Object.fromEntries(config.fields.map((f) => [f.name, f.comparator]))).toMatchObject({
      given_name: 'jaro_winkler',
      surname: 'jaro_winkler',
      date_of_birth: 'date',
    });
    const result = matchRecords(people, undefined, config);
    const matched = result.pairs.filter((p) => p.decision === 'match').map((p) => [p.leftId, p.rightId].sort().join('='));
    expect(matched).toEqual(expect.arrayContaining(['p1=p2', 'p5=p6']));
    // Namesakes with other birth dates weigh less than the typo duplicates (FEBRL tests accuracy at scale).
    const weight = (a: string, b: string) => result.pairs.find((p) => [p.leftId, p.rightId].sort().join('=') === `${a}=${b}`)?.weight ?? -Infinity;
    expect(weight('p3', 'p4')).toBeLessThan(Math.min(weight('p1', 'p2'), weight('p5', 'p6')));
    expect(matched.every((m) => !m.startsWith('x'))).toBe(true);
  });
});
