import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/queue.js';
import { parseRetryAfter } from '../src/transport.js';

describe('retry timing', () => {
  it.each([
    [1, 0, 500],
    [1, 1, 1500],
    [2, 0.5, 2000],
    [4, 0.5, 8000],
    [7, 0.5, 60_000], // capped at a minute
    [30, 0, 30_000],
  ])('attempt %i with jitter %d waits %d ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, random)).toBe(expected);
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThan(8000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT')).toBe(0);
  });
});
