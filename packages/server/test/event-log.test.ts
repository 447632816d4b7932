import { describe, expect, it } from 'vitest';
import { partitionFor, partitionOf, PARTITIONS } from '../src/log/event-log.js';

// What every EventLog adapter does is in test/contracts/event-log.contract.ts, run for each
// backend by test/contracts/event-log.test.ts; this file keeps what is not about one adapter.

describe('partitionOf', () => {
  it('is FNV-1a of the userId, else the anonymousId (stable across processes)', () => {
    // FNV-1a 32-bit of "a" is 0xe40c292c (published test vector); 0xe40c292c % 64 = 44.
    expect(partitionOf({ userId: 'a', anonymousId: 'zzz' })).toBe(0xe40c292c % PARTITIONS);
    expect(partitionOf({ userId: null, anonymousId: 'a' })).toBe(0xe40c292c % PARTITIONS);
  });

  it('is the same hash over any other count (a JetStream stream has its own)', () => {
    expect(partitionFor({ userId: 'a', anonymousId: null }, 16)).toBe(0xe40c292c % 16);
    expect(partitionFor({ userId: 'a', anonymousId: null }, PARTITIONS)).toBe(
      partitionOf({ userId: 'a', anonymousId: null }),
    );
  });
});
