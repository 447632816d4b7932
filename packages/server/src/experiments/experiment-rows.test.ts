import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { experimentKeys } from './experiment-rows.js';

const INDEX_KEY = Buffer.alloc(32, 7);
const hmac = (type: string, value: string) =>
  createHmac('sha256', INDEX_KEY).update(`${type}\u0000${value}`).digest('base64url');

describe('experimentKeys', () => {
  it('keys a value by the first 8 bytes of a SHA-256 of its userId blind, and blinds a person seen lately only once', () => {
    const blinded: string[] = [];
    const keyOf = experimentKeys((type, value) => {
      blinded.push(value);
      return hmac(type, value);
    });
    const expected = (value: string) =>
      createHash('sha256').update(hmac('userId', value)).digest().readBigInt64BE(0);
    expect(keyOf('u1')).toBe(expected('u1'));
    expect(keyOf('anon-1')).toBe(expected('anon-1'));
    expect(keyOf('u1')).toBe(expected('u1'));
    expect(keyOf('u1')).not.toBe(keyOf('anon-1'));
    expect(blinded).toEqual(['u1', 'anon-1']);
  });
});
