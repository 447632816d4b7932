import { describe, expect, it } from 'vitest';
import type { IdentifierRef } from '@tailor/core';
import type { StoredProfile } from '../store/profile-store.js';
import { PersonCache } from './person-cache.js';

const dee: IdentifierRef = { type: 'userId', value: 'dee' };

/** A stored profile with one trait, as much of it as decide reads. */
function stored(tier: string): StoredProfile {
  return {
    id: 'p-dee',
    traits: { tier: { value: tier, source: 'web', at: '2026-12-01T00:00:00.000Z' } },
    computed: {},
    segments: [],
    aggregates: {},
    consent: { current: {}, history: [] },
  } as unknown as StoredProfile;
}

/** A profile store whose answers the test releases one at a time. */
function heldStore() {
  const pending: ((profile: StoredProfile | undefined) => void)[] = [];
  let reads = 0;
  return {
    reads: () => reads,
    release: (profile: StoredProfile | undefined) => pending.shift()?.(profile),
    byIdentifier: () => {
      reads++;
      return new Promise<StoredProfile | undefined>((resolve) => pending.push(resolve));
    },
  };
}

describe('PersonCache', () => {
  it('keeps a loaded person until the pipeline says they changed', async () => {
    const store = heldStore();
    const cache = new PersonCache(store, 10);
    const first = cache.get(dee);
    store.release(stored('vip'));
    expect((await first)?.traits.tier).toBe('vip');
    expect((await cache.get(dee))?.traits.tier).toBe('vip');
    expect(store.reads()).toBe(1);
    cache.invalidate(['p-dee'], []);
    const again = cache.get(dee);
    store.release(stored('basic'));
    expect((await again)?.traits.tier).toBe('basic');
    expect(store.reads()).toBe(2);
  });

  it('does not keep a load that a change overtook: the next decision reads the store again', async () => {
    const store = heldStore();
    const cache = new PersonCache(store, 10);
    const loading = cache.get(dee);
    // The fold commits and its news arrives while the read (begun before the commit) is on its way.
    cache.invalidate(['p-dee'], [dee]);
    store.release(stored('vip'));
    expect((await loading)?.traits.tier).toBe('vip'); // answered as read
    expect(cache.cached(dee)).toBeUndefined(); // but not kept
    const next = cache.get(dee);
    store.release(stored('basic'));
    expect((await next)?.traits.tier).toBe('basic');
    expect(store.reads()).toBe(2);
  });

  it('does not keep "unknown" for a person created while they were being looked up', async () => {
    const store = heldStore();
    const cache = new PersonCache(store, 10);
    const loading = cache.get(dee);
    cache.invalidate([], [dee]);
    store.release(undefined);
    expect(await loading).toBeUndefined();
    expect(cache.cached(dee)).toBeUndefined();
  });

  it('keeps a load when only other people changed while it ran', async () => {
    const store = heldStore();
    const cache = new PersonCache(store, 10);
    const loading = cache.get(dee);
    cache.invalidate(['p-someone-else'], [{ type: 'userId', value: 'someone-else' }]);
    store.release(stored('vip'));
    expect((await loading)?.traits.tier).toBe('vip');
    expect(cache.cached(dee)).not.toBeUndefined();
    expect(store.reads()).toBe(1);
  });

  it('does not keep a load that a clear overtook', async () => {
    const store = heldStore();
    const cache = new PersonCache(store, 10);
    const loading = cache.get(dee);
    cache.clear();
    store.release(stored('vip'));
    await loading;
    expect(cache.cached(dee)).toBeUndefined();
  });
});
