import { describe, expect, it } from 'vitest';
import { identifierCandidates } from './identifier-candidates.js';

describe('identifierCandidates', () => {
  it.each([
    [
      'an email address',
      ' ann@example.com ',
      [{ kind: 'identifier', identifier: 'email:ann@example.com' }],
    ],
    [
      'TYPE:VALUE, then as a userId holding a colon',
      'phone:+441234567890',
      [
        { kind: 'identifier', identifier: 'phone:+441234567890' },
        { kind: 'identifier', identifier: 'userId:phone:+441234567890' },
      ],
    ],
    [
      'a bare value: userId, anonymousId, profile id',
      'user-42',
      [
        { kind: 'identifier', identifier: 'userId:user-42' },
        { kind: 'identifier', identifier: 'anonymousId:user-42' },
        { kind: 'id', id: 'user-42' },
      ],
    ],
    [
      'a value that cannot be a profile id',
      'Ann Smith',
      [
        { kind: 'identifier', identifier: 'userId:Ann Smith' },
        { kind: 'identifier', identifier: 'anonymousId:Ann Smith' },
      ],
    ],
    ['nothing', '   ', []],
  ])('%s', (_name, query, expected) => {
    expect(identifierCandidates(query)).toEqual(expected);
  });
});
