import { describe, expect, it } from 'vitest';
import { ErasureCoordinator, type ErasureOwner } from '../src/privacy/erasure-coordinator.js';
import type { PendingErasure } from '../src/store/profile-store.js';

const ERASURE: PendingErasure = {
  requestId: 'r1',
  profileId: 'p1',
  requestedBy: 'key:admin',
  at: 0,
  positions: [3, 7],
  identifiers: [{ type: 'userId', value: 'erin' }],
  profiles: ['p1', 'p0'],
};

describe('ErasureCoordinator', () => {
  it('asks every owner in order, then marks the erasure done; a failing owner leaves it pending until asked again', async () => {
    const asked: string[] = [];
    const done: string[] = [];
    let deliveriesDown = true;
    const owner = (name: string, fails?: () => boolean): ErasureOwner => ({
      name,
      erase: (person) => {
        asked.push(`${name}:${person.requestId}`);
        return fails?.() === true ? Promise.reject(new Error('down')) : Promise.resolve();
      },
    });
    const coordinator = new ErasureCoordinator(
      [owner('the log'), owner('webhook deliveries', () => deliveriesDown), owner('bandit counts')],
      {
        erasures: {
          pending: () => Promise.resolve([]),
          done: (requestId) => {
            done.push(requestId);
            return Promise.resolve();
          },
        },
      },
    );
    expect(coordinator.ownerNames).toEqual(['the log', 'webhook deliveries', 'bandit counts']);
    await expect(coordinator.complete(ERASURE)).rejects.toThrow(
      'erasing r1 from webhook deliveries failed',
    );
    expect(asked).toEqual(['the log:r1', 'webhook deliveries:r1']);
    expect(done).toEqual([]);
    deliveriesDown = false;
    await coordinator.complete(ERASURE);
    expect(asked.slice(2)).toEqual(['the log:r1', 'webhook deliveries:r1', 'bandit counts:r1']);
    expect(done).toEqual(['r1']);
  });
});
