import { describe, expect, it } from 'vitest';
import type { Template } from 'liquidjs';
import { createLiquid } from '../src/decide/create-liquid.js';
import { Decider } from '../src/decide/decider.js';
import type { PersonCache } from '../src/decide/person-cache.js';
import { Placements } from '../src/decide/placements.js';
import type { RenderMemo } from '../src/decide/render-memo.js';
import type { StateStore, StoredPlacement } from '../src/store/state-store.js';

/** Placements kept in a map (the decider reads compiled ones from memory anyway). */
function placementStore(): StateStore['placements'] {
  const all = new Map<string, StoredPlacement>();
  return {
    list: () => Promise.resolve([...all.values()]),
    get: (name) => Promise.resolve(all.get(name)),
    put: (p) => {
      all.set(p.name, p);
      return Promise.resolve();
    },
    delete: (name) => Promise.resolve(all.delete(name)),
  };
}

/**
 * Renders as a template that never ends would: it runs until the limit it is given (decide's
 * remaining time, or a default's share), then fails as LiquidJS does; each limit is recorded.
 */
function endlessRenders(limits: (number | undefined)[]): RenderMemo {
  return {
    render(_template: Template[], _scope: unknown, limitMs?: number): string {
      limits.push(limitMs);
      const end = performance.now() + (limitMs ?? 50);
      while (performance.now() < end) {
        // the render's steps
      }
      throw new Error('template render limit exceeded');
    },
  } as unknown as RenderMemo;
}

describe("decide's time budget holds for the whole request", () => {
  it('gives the defaults of a request one share between them, however many placements fall back', async () => {
    const liquid = createLiquid();
    const placements = await Placements.open(placementStore(), liquid);
    const known = { segments: new Set<string>(), computed: new Set<string>() };
    const names = Array.from({ length: 20 }, (_, i) => `p${String(i)}`);
    for (const name of names) {
      // Slow only for some requests, so it is saved: the default loops over the request's n.
      await placements.put(
        name,
        {
          items: [{ id: 'a', priority: 0, when: 'context.vip = true', template: 'A' }],
          default: { id: 'd', template: '{% for i in (1..context.n) %}{% endfor %}D' },
        },
        known,
        new Date(0),
      );
    }
    const limits: (number | undefined)[] = [];
    const decider = new Decider({
      placements,
      people: {
        get: () => Promise.resolve(undefined),
        cached: () => undefined,
      } as unknown as PersonCache,
      renders: endlessRenders(limits),
      now: () => 0,
      budgetMs: 50,
      remember: 10,
      holdout: { share: 0, seed: 's' },
      experiments: { assign: () => Promise.resolve({ variant: null }) },
      record: () => undefined,
    });
    const decisions = await decider.decide({
      anonymousId: 'someone',
      placements: names,
      context: { n: 1e9 },
    });
    expect(decisions).toHaveLength(20);
    for (const d of decisions) expect(d).toMatchObject({ itemId: 'd', fallback: true });
    // Every render had a limit, and together they stay near twice the budget (one render's
    // allowance for the defaults, then a millisecond each), where each default used to get 50 ms.
    expect(limits.every((l) => l !== undefined)).toBe(true);
    const total = limits.reduce<number>((sum, l) => sum + (l ?? 0), 0);
    expect(total).toBeLessThanOrEqual(50 + 50 + names.length * 1 + 1);
  });
});
