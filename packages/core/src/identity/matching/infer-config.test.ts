import { describe, expect, it } from 'vitest';
import { candidatePairs } from './block-records.js';
import { inferMatchConfig } from './infer-config.js';
import { profileColumns } from './profile-columns.js';
import { testPeople, word } from './test-people.fixture.js';

const comparators = (config: ReturnType<typeof inferMatchConfig>) =>
  Object.fromEntries(config.fields.map((f) => [f.name, f.comparator]));

describe('inferMatchConfig: comparators from the columns', () => {
  it('reads FEBRL-like person columns', () => {
    const config = inferMatchConfig([testPeople(500)]);
    expect(comparators(config)).toEqual({
      given_name: 'jaro_winkler',
      surname: 'jaro_winkler',
      date_of_birth: 'date',
      postcode: 'levenshtein',
      state: 'exact',
      soc_sec_id: 'levenshtein',
    });
    expect(config).toMatchObject({ upper: 0.9, lower: 0.5, maxBlockSize: 500, iterations: 100 });
  });

  it('reads profile traits (camelCase, ISO dates, E.164 phones, nested paths, quantities)', () => {
    const records = Array.from({ length: 300 }, (_, i) => ({
      id: `p${i}`,
      fields: {
        firstName: word(i % 50, 2),
        lastName: word(i * 3 + 1, 3),
        email: `${word(i, 3)}@example.com`,
        phone: `+614${String(10_000_000 + i * 1234)}`,
        birthday: `19${String(50 + (i % 40))}-0${1 + (i % 9)}-1${i % 10}`,
        'address.city': word(i % 40, 3),
        age: String(18 + (i % 60)),
        totalSpend: String(((i * 37) % 1000) + 0.5),
        plan: i % 2 === 0 ? 'free' : 'pro',
        notes: i % 10 === 0 ? 'vip' : undefined,
      },
    }));
    expect(comparators(inferMatchConfig([records]))).toEqual({
      firstName: 'jaro_winkler',
      lastName: 'jaro_winkler',
      email: 'levenshtein',
      phone: 'levenshtein',
      birthday: 'date',
      'address.city': 'jaro_winkler',
      age: 'numeric',
      totalSpend: 'numeric',
      plan: 'exact',
      // notes: missing in 90 % of records, left out
    });
  });

  it('describes each column by its values', () => {
    const [column] = profileColumns([
      { id: 'a', fields: { dob: '19800112' } },
      { id: 'b', fields: { dob: '' } },
      { id: 'c', fields: { dob: '1980-01-12' } },
      { id: 'd', fields: {} },
    ]);
    expect(column).toMatchObject({
      name: 'dob',
      missing: 0.5,
      distinctCount: 2,
      dateLike: 1,
      kind: 'date',
    });
  });

  it('lets overrides replace each choice', () => {
    const overrides = {
      fields: [{ name: 'surname', comparator: 'phonetic' as const }],
      blocking: [[{ field: 'state', transform: 'exact' as const }]],
      upper: 0.99,
      lower: 0.2,
      maxBlockSize: 50,
      iterations: 7,
    };
    expect(inferMatchConfig([testPeople(100)], overrides)).toEqual(overrides);
  });
});

describe('inferMatchConfig: swapped fields', () => {
  it('compares a given name and a surname, and numbered lines, crosswise too', () => {
    const febrl = inferMatchConfig([
      testPeople(200).map((p, i) => ({
        ...p,
        fields: { ...p.fields, address_1: `${i} main st`, address_2: `unit ${i}` },
      })),
    ]);
    const swaps = Object.fromEntries(febrl.fields.map((f) => [f.name, f.swapWith]));
    expect(swaps).toMatchObject({
      given_name: 'surname',
      surname: 'given_name',
      address_1: 'address_2',
      address_2: 'address_1',
      state: undefined,
    });
    const traits = inferMatchConfig([
      testPeople(200).map((p) => ({
        id: p.id,
        fields: { firstName: p.fields.given_name, lastName: p.fields.surname },
      })),
    ]);
    expect(traits.fields).toEqual([
      { name: 'firstName', comparator: 'jaro_winkler', swapWith: 'lastName' },
      { name: 'lastName', comparator: 'jaro_winkler', swapWith: 'firstName' },
    ]);
  });
});

describe('inferMatchConfig: blocking keys', () => {
  it('chooses several keys whose pairs stay within a budget linear in the records', () => {
    const people = testPeople(20_000);
    const config = inferMatchConfig([people]);
    expect(config.blocking.length).toBeGreaterThanOrEqual(3);
    expect(config.blocking).toContainEqual([{ field: 'date_of_birth', transform: 'exact' }]);
    for (const key of config.blocking) {
      expect(candidatePairs(people, undefined, [key], Infinity).count).toBeLessThanOrEqual(
        5 * people.length,
      );
    }
    // given_name has only 97 values: blocking on it alone would be quadratic, so it is refined or dropped.
    expect(config.blocking).not.toContainEqual([{ field: 'given_name', transform: 'phonetic' }]);
  });

  it('counts linkage pairs across the two sides only', () => {
    const left = testPeople(300, 'l');
    const right = testPeople(300, 'r').map((r) => ({
      id: r.id,
      fields: { ...r.fields, soc_sec_id: undefined },
    }));
    const config = inferMatchConfig([left, right]);
    expect(config.blocking.length).toBeGreaterThan(0);
    for (const key of config.blocking)
      expect(candidatePairs(left, right, [key], Infinity).count).toBeGreaterThan(0);
  });
});
