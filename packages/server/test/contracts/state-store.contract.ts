import { afterEach, describe, expect, it } from 'vitest';
import type { StateStore, StoredDefinition } from '../../src/store/state-store.js';

export interface StateStoreBackend {
  store: StateStore;
  dispose(): Promise<void>;
}

const definition = (name: string, version = 1): StoredDefinition => ({
  kind: 'segment',
  name,
  text: 'traits.plan = "pro"',
  tree: { type: 'compare', path: ['traits', 'plan'], op: '=', value: 'pro' } as never,
  references: { events: [], traits: ['plan'], computed: [], segments: [] } as never,
  version,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
});

/** What every StateStore adapter guarantees, run over each backend. */
export function describeStateStoreContract(
  backend: string,
  open: () => Promise<StateStoreBackend>,
): void {
  describe(`StateStore contract (${backend})`, () => {
    let opened: StateStoreBackend | undefined;
    const store = async (): Promise<StateStore> => {
      opened = await open();
      return opened.store;
    };
    afterEach(async () => {
      await opened?.store.close();
      await opened?.dispose();
      opened = undefined;
    });

    it('keeps keys with their three rate-limit states, lists them by name in byte order, revokes once', async () => {
      const s = await store();
      const base = { role: 'viewer' as const, createdAt: '2026-12-01T00:00:00Z', revokedAt: null };
      await s.keys.put({ ...base, name: 'beta', hash: 'h-b' });
      await s.keys.put({ ...base, name: 'Zed', hash: 'h-z', rateLimit: null });
      await s.keys.put({
        ...base,
        name: 'alpha',
        hash: 'h-a',
        rateLimit: { max: 5, windowSeconds: 60 },
      });
      const keys = await s.keys.list();
      expect(keys.map((k) => k.name)).toEqual(['Zed', 'alpha', 'beta']);
      expect(keys[0]).toEqual({ ...base, name: 'Zed', hash: 'h-z', rateLimit: null });
      expect(keys[1]?.rateLimit).toEqual({ max: 5, windowSeconds: 60 });
      expect('rateLimit' in (keys[2] ?? {})).toBe(false);
      expect(await s.keys.setRateLimit('beta', { max: 1, windowSeconds: 1 })).toBe(true);
      expect(await s.keys.setRateLimit('alpha', undefined)).toBe(true);
      expect(await s.keys.setRateLimit('nobody', null)).toBe(false);
      const after = await s.keys.list();
      expect('rateLimit' in (after[1] ?? {})).toBe(false);
      expect(after[2]?.rateLimit).toEqual({ max: 1, windowSeconds: 1 });
      expect(await s.keys.revoke('beta', '2026-12-02T00:00:00Z')).toBe(true);
      expect(await s.keys.revoke('beta', '2026-12-03T00:00:00Z')).toBe(false);
      expect(await s.keys.setRateLimit('beta', null)).toBe(false);
      expect((await s.keys.list())[2]?.revokedAt).toBe('2026-12-02T00:00:00Z');
      // Two keys never share a hash (the SQLite adapter throws at once, PostgreSQL's rejects).
      await expect(
        (async () => s.keys.put({ ...base, name: 'other', hash: 'h-a' }))(),
      ).rejects.toThrow();
    });

    it('keeps tracking plans, definitions, placements and experiments as written, replaced by name', async () => {
      const s = await store();
      const plan = {
        target: 'event:Order Completed',
        mode: 'block' as const,
        schema: { type: 'object', required: ['revenue'] },
        updatedAt: '2026-12-01T00:00:00Z',
      };
      await s.trackingPlans.put(plan);
      await s.trackingPlans.put({ ...plan, target: 'traits', description: 'who', mode: 'allow' });
      expect(await s.trackingPlans.list()).toEqual([
        plan,
        { ...plan, target: 'traits', description: 'who', mode: 'allow' },
      ]);
      expect(await s.trackingPlans.delete('traits')).toBe(true);
      expect(await s.trackingPlans.delete('traits')).toBe(false);

      await s.definitions.put(definition('vip'));
      await s.definitions.put(definition('Active'));
      await s.definitions.put(definition('vip', 2));
      expect((await s.definitions.list('segment')).map((d) => [d.name, d.version])).toEqual([
        ['Active', 1],
        ['vip', 2],
      ]);
      expect(await s.definitions.list('computed')).toEqual([]);
      expect(await s.definitions.get('segment', 'vip')).toEqual(definition('vip', 2));
      expect(await s.definitions.get('computed', 'vip')).toBeUndefined();
      expect(await s.definitions.delete('segment', 'vip')).toBe(true);
      expect(await s.definitions.get('segment', 'vip')).toBeUndefined();

      const placement = {
        name: 'hero',
        items: [{ id: 'b', when: 'true' }, { id: 'a' }],
        default: { id: 'none' },
        version: 1,
        createdAt: '2026-12-01T00:00:00Z',
        updatedAt: '2026-12-01T00:00:00Z',
      } as never;
      await s.placements.put(placement);
      expect(await s.placements.get('hero')).toEqual(placement);
      // Kept as written: the same JSON text back, keys in their order.
      expect(JSON.stringify(await s.placements.get('hero'))).toBe(JSON.stringify(placement));
      expect(await s.placements.list()).toEqual([placement]);
      expect(await s.placements.delete('hero')).toBe(true);
      expect(await s.placements.list()).toEqual([]);
      const experiment = { name: 'exp', variants: [{ name: 'a' }], version: 3 } as never;
      await s.experiments.put(experiment);
      expect(await s.experiments.get('exp')).toEqual(experiment);
      expect(await s.experiments.get('none')).toBeUndefined();
    });

    it('counts violations per event and rule, most frequent first', async () => {
      const s = await store();
      const v = (event: string, rule: string, message = 'bad') => ({ event, rule, message });
      await s.violations.record([v('Signed Up', 'required'), v('Order', 'type', 'first')], 't1');
      await s.violations.record([v('Order', 'type', 'second'), v('Order', 'type', 'third')], 't2');
      await s.violations.record([], 't3');
      expect(await s.violations.list({})).toEqual([
        {
          event: 'Order',
          rule: 'type',
          count: 3,
          firstSeenAt: 't1',
          lastSeenAt: 't2',
          example: 'third',
        },
        {
          event: 'Signed Up',
          rule: 'required',
          count: 1,
          firstSeenAt: 't1',
          lastSeenAt: 't1',
          example: 'bad',
        },
      ]);
      expect((await s.violations.list({ event: 'Signed Up' })).map((r) => r.count)).toEqual([1]);
    });

    it('breaks ties in byte order: violations of equal count by event then rule, placements and experiments by name', async () => {
      const s = await store();
      const v = (event: string, rule: string) => ({ event, rule, message: 'm' });
      await s.violations.record(
        [v('b', 'x'), v('B', 'y'), v('a', 'z'), v('a', 'Z'), v('a', 'z')],
        't',
      );
      expect((await s.violations.list({})).map((r) => [r.event, r.rule, r.count])).toEqual([
        ['a', 'z', 2],
        ['B', 'y', 1],
        ['a', 'Z', 1],
        ['b', 'x', 1],
      ]);
      expect((await s.violations.list({ event: 'a' })).map((r) => r.rule)).toEqual(['z', 'Z']);
      expect(await s.violations.list({ event: 'none' })).toEqual([]);
      for (const name of ['beta', 'Zeta', 'alpha']) {
        await s.placements.put({ name, items: [], default: null, version: 1 } as never);
        await s.experiments.put({ name, variants: [], version: 1 } as never);
      }
      expect((await s.placements.list()).map((p) => p.name)).toEqual(['Zeta', 'alpha', 'beta']);
      expect((await s.experiments.list()).map((e) => e.name)).toEqual(['Zeta', 'alpha', 'beta']);
      expect(await s.experiments.delete('alpha')).toBe(true);
      expect(await s.experiments.delete('alpha')).toBe(false);
      expect(await s.placements.delete('none')).toBe(false);
      expect((await s.experiments.list()).map((e) => e.name)).toEqual(['Zeta', 'beta']);
    });
  });
}
