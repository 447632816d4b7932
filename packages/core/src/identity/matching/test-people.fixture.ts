import type { MatchRecord } from './matching.schema.js';

/** A made-up word per number, from syllables: distinct strings that rarely share prefixes. */
export function word(n: number, syllables: number): string {
  const parts = [
    'ka',
    'lo',
    'mi',
    'ru',
    'te',
    'zo',
    'ba',
    'ne',
    'fi',
    'go',
    'shu',
    'va',
    'pe',
    'di',
    'yo',
  ];
  let out = '';
  for (let k = 0, x = n * 2654435761; k < syllables; k++, x = Math.floor(x / parts.length))
    out += parts[x % parts.length] ?? '';
  return out;
}

/** `count` distinct made-up people with FEBRL's columns (for tests: no duplicates among them). */
export function testPeople(count: number, prefix = 'x'): MatchRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const h = Math.imul(i + 1, 2654435761) >>> 0;
    return {
      id: `${prefix}${i}`,
      fields: {
        given_name: word(i % 97, 2),
        surname: word(i * 7 + 3, 3),
        date_of_birth: `19${String(10 + (h % 90))}${String(1 + ((h >>> 8) % 12)).padStart(2, '0')}${String(1 + ((h >>> 16) % 28)).padStart(2, '0')}`,
        postcode: String(2000 + ((i * 37) % 5000)),
        state: ['nsw', 'vic', 'qld', 'wa', 'sa', 'tas'][i % 6],
        soc_sec_id: String(1_000_000 + ((i * 7919) % 8_999_999)),
      },
    };
  });
}
