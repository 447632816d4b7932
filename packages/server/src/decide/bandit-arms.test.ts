import { describe, expect, it } from 'vitest';
import { openMemoryBanditStore } from '../store/memory/memory-bandit-store.js';
import type { BanditMetric } from '../store/bandit-store.js';
import { BanditArms } from './bandit-arms.js';

const hero: BanditMetric = { placement: 'hero', event: 'Order Completed', withinMs: 86_400_000 };
const other: BanditMetric = { ...hero, placement: 'side' };

function setUp() {
  const store = openMemoryBanditStore();
  let clock = 1_000_000;
  const arms = new BanditArms({
    store,
    personKey: (type, value) => `blind(${type}:${value})`,
    now: () => clock,
  });
  /** The stage counting a person's exposure, as folding their record does. */
  let position = 0;
  const fold = (person: string, itemId: string, metric = hero) =>
    store.fold({ from: position, to: ++position }, [
      { kind: 'exposure', metric, itemId, person, at: clock },
    ]);
  return { store, arms, fold, tick: (ms: number) => (clock += ms) };
}

describe('BanditArms', () => {
  it('counts an exposure as it is decided, a person once per item, by userId else anonymousId', () => {
    const { arms } = setUp();
    arms.exposed(hero, 'a', { userId: 'u1', anonymousId: 'x1' });
    arms.exposed(hero, 'a', { userId: 'u1' }); // the same person again
    arms.exposed(hero, 'a', { anonymousId: 'x2', userId: null });
    arms.exposed(hero, 'b', { userId: 'u1' });
    arms.exposed(other, 'a', { userId: 'u1' });
    arms.exposed(hero, 'a', {}); // nobody to count
    expect(arms.of(hero, 'a')).toEqual({ exposures: 2, conversions: 0 });
    expect(arms.of(hero, 'b')).toEqual({ exposures: 1, conversions: 0 });
    expect(arms.of(other, 'a')).toEqual({ exposures: 1, conversions: 0 });
    expect(arms.of(hero, 'c')).toEqual({ exposures: 0, conversions: 0 });
  });

  it('hands an exposure over to the stored counts once the stage counted it, without counting it twice', async () => {
    const { arms, fold } = setUp();
    arms.exposed(hero, 'a', { userId: 'u1' });
    arms.exposed(hero, 'a', { userId: 'u2' });
    await arms.refresh(); // nothing counted yet: both still held
    expect(arms.of(hero, 'a').exposures).toBe(2);
    await fold('blind(userId:u1)', 'a');
    expect(arms.of(hero, 'a').exposures).toBe(2); // the old counts and both held until a refresh
    await arms.refresh();
    expect(arms.of(hero, 'a').exposures).toBe(2); // one stored, one held
    await fold('blind(userId:u2)', 'a');
    await arms.refresh();
    expect(arms.of(hero, 'a').exposures).toBe(2);
    // A person counted before and shown again: one too many until the refresh finds them counted.
    arms.exposed(hero, 'a', { userId: 'u1' });
    expect(arms.of(hero, 'a').exposures).toBe(3);
    await arms.refresh();
    expect(arms.of(hero, 'a').exposures).toBe(2);
  });

  it('keeps conversions from the store and lets go of an exposure the store never counts after a minute', async () => {
    const { arms, fold, store, tick } = setUp();
    await fold('blind(userId:u1)', 'a');
    await store.fold({ from: 1, to: 2 }, [
      { kind: 'conversion', event: 'Order Completed', people: ['blind(userId:u1)'], at: 1_000_001 },
    ]);
    await arms.refresh();
    expect(arms.of(hero, 'a')).toEqual({ exposures: 1, conversions: 1 });
    arms.exposed(hero, 'a', { userId: 'erased' }); // its record is never folded
    tick(59_000);
    await arms.refresh();
    expect(arms.of(hero, 'a')).toEqual({ exposures: 2, conversions: 1 });
    tick(2_000);
    await arms.refresh();
    expect(arms.of(hero, 'a')).toEqual({ exposures: 1, conversions: 1 });
  });
});
