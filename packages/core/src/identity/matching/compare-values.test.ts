import jaroWinkler from 'talisman/metrics/jaro-winkler.js';
import levenshtein from 'talisman/metrics/levenshtein.js';
import { describe, expect, it } from 'vitest';
import { compareValues, normalizeDate } from './compare-values.js';
import { phoneticCodes } from './phonetic-codes.js';
import reference from './string-metrics.reference.json' with { type: 'json' };

describe('string metrics against an independent implementation (jellyfish, see make-string-metrics-reference.py)', () => {
  it.each(reference.pairs)('$a / $b', ({ a, b, jaroWinkler: jw, levenshtein: lev }) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(jw, 12);
    expect(levenshtein(a, b)).toBe(lev);
  });
});

describe('Double Metaphone codes, as published with the algorithm (Philips 2000)', () => {
  it.each([
    ['smith', ['SM0', 'XMT']],
    ['schmidt', ['XMT', 'SMT']],
    ['jose', ['HS', 'HS']],
    ['xavier', ['SF', 'SFR']],
    ['knight', ['NT', 'NT']],
    ['', ['', '']],
  ])('%s → %j', (word, codes) => {
    expect(phoneticCodes(word)).toEqual(codes);
  });
});

describe('compareValues: agreement levels', () => {
  it.each([
    ['jaro_winkler', 'Martha', ' martha ', 3],
    ['jaro_winkler', 'martha', 'marhta', 2],
    ['jaro_winkler', 'dwayne', 'duane', 0],
    ['jaro_winkler', 'jones', 'johnson', 0],
    ['jaro_winkler', 'shackleford', 'shackelford', 2],
    ['jaro_winkler', 'dixon', 'dicksonx', 0],
    ['jaro_winkler', 'william', 'williams', 2],
    ['jaro_winkler', 'kate', 'katy', 1],
    ['levenshtein', '6988048', '6988084', 1],
    ['levenshtein', '6988048', '6988049', 2],
    ['levenshtein', '6988048', '1234567', 0],
    ['levenshtein', '2000', '2001', 2],
    ['levenshtein', '2000', '2011', 1],
    ['levenshtein', '2000', '3111', 0],
    ['levenshtein', 'ab', 'ac', 0],
    ['exact', 'nsw', 'vic', 0],
    ['exact', 'NSW', 'nsw', 1],
    ['phonetic', 'smith', 'smyth', 1],
    ['phonetic', 'smith', 'schmidt', 1],
    ['phonetic', 'smith', 'jones', 0],
    ['phonetic', 'smith', 'smith', 2],
    ['numeric', '100', '104', 1],
    ['numeric', '100', '120', 0],
    ['numeric', '3', '4', 1],
    ['numeric', 'abc', '4', 0],
    ['date', '19081209', '19081209', 2],
    ['date', '19081209', '19081219', 1],
    ['date', '19081209', '19081290', 1],
    ['date', '19081209', '19080912', 1],
    ['date', '19081209', '19550101', 0],
    ['date', '19081209', '19181219', 0],
    ['date', '1908-12-09', '19081209', 2],
    ['date', '1908-12-09T00:00:00Z', '1908-12-09', 2],
    ['date', '09/12/1908', '1908-12-09', 2],
    ['date', '12/09/1908', '1908-12-09', 1],
    ['date', '1908129', '19081209', 1],
    ['jaro_winkler', '', 'x', -1],
    ['jaro_winkler', '  ', 'x', -1],
    ['exact', undefined, 'x', -1],
    ['date', 'unknown', '19081209', 0],
  ] as const)('%s(%j, %j) = %i', (comparator, a, b, level) => {
    expect(compareValues(comparator, a, b)).toBe(level);
    expect(compareValues(comparator, b, a)).toBe(level);
  });

  it('normalizes dates to YYYYMMDD', () => {
    expect(normalizeDate('1980-1-2')).toBe('19800102');
    expect(normalizeDate('2.1.1980')).toBe('19800102');
    expect(normalizeDate('19800102')).toBe('19800102');
  });
});
