import { describe, expect, it } from 'vitest';
import { personQuery } from './stored-recommender.js';

describe('personQuery', () => {
  it.each([
    [
      [
        { type: 'email', value: 'a@example.com' },
        { type: 'userId', value: 'u 1' },
      ],
      'userId=u+1',
    ],
    [
      [
        { type: 'anonymousId', value: 'an-1' },
        { type: 'email', value: 'a@example.com' },
      ],
      'anonymousId=an-1',
    ],
    [[{ type: 'email', value: 'a@example.com' }], undefined],
  ])('asks for %j with %s', (identifiers, query) => {
    expect(personQuery({ identifiers })).toBe(query);
  });
});
