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

  describe('blinded, as other nodes announce changes', () => {
    const blind = (type: string, value: string) => `b(${type}:${value})`;

    it('drops a cached person, or a cached stranger, by the blind index of their identifier', async () => {
      const store = heldStore();
      const cache = new PersonCache(store, 10, blind);
      const first = cache.get(dee);
      store.release(undefined);
      await first;
      expect(cache.cached(dee)).toBe('unknown');
      cache.invalidateBlinded([], [{ type: 'userId', blind: 'b(userId:someone-else)' }]);
      expect(cache.cached(dee)).toBe('unknown');
      // Same value, other type: a different identifier.
      cache.invalidateBlinded([], [{ type: 'email', blind: 'b(userId:dee)' }]);
      expect(cache.cached(dee)).toBe('unknown');
      cache.invalidateBlinded([], [{ type: 'userId', blind: 'b(userId:dee)' }]);
      expect(cache.cached(dee)).toBeUndefined();
      const again = cache.get(dee);
      store.release(stored('vip'));
      expect((await again)?.traits.tier).toBe('vip');
      expect(store.reads()).toBe(2);
    });

    it('does not keep a load that a blinded change overtook, and forgets blinds of entries gone', async () => {
      const store = heldStore();
      const cache = new PersonCache(store, 1, blind);
      const loading = cache.get(dee);
      cache.invalidateBlinded([], [{ type: 'userId', blind: 'b(userId:dee)' }]);
      store.release(stored('vip'));
      expect((await loading)?.traits.tier).toBe('vip');
      expect(cache.cached(dee)).toBeUndefined();
      const kept = cache.get(dee);
      store.release(stored('vip'));
      await kept;
      expect(cache.cached(dee)).not.toBeUndefined();
      // A second person pushes dee out (max 1); announcing dee then drops nothing of the other.
      const other: IdentifierRef = { type: 'userId', value: 'eve' };
      const loadingOther = cache.get(other);
      store.release({ ...stored('basic'), id: 'p-eve' });
      await loadingOther;
      expect(cache.cached(dee)).toBeUndefined();
      cache.invalidateBlinded([], [{ type: 'userId', blind: 'b(userId:dee)' }]);
      expect(cache.cached(other)).not.toBeUndefined();
    });

    it('refuses blinded changes when opened without blind indexes', () => {
      const cache = new PersonCache(heldStore(), 10);
      expect(() => {
        cache.invalidateBlinded([], []);
      }).toThrow(/without blind indexes/);
    });
  });
});
