import {
  compileDefinitions,
  registerTraitKind,
  type ComputedNode,
  type TraitKind,
  type TraitPopulation,
} from '@tailor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { PopulationJob } from '../src/pipeline/population-job.js';
import type { StoredProfile } from '../src/store/profile-store.js';

/** A kind whose population takes long to make: `steps` slices of busy work, 30 ms each. */
function slowKind(steps: number, made: { slices: number }): TraitKind {
  return {
    name: 'slow_population',
    print: () => 'slow_population()',
    patterns: () => [],
    input: () => undefined,
    initial: () => ({ kind: 'window', entries: [] }),
    window: () => undefined,
    value: () => 1,
    nextChange: () => undefined,
    population: {
      sample: (value) => value,
      *summarize(samples, computedAt) {
        for (let i = 0; i < steps; i++) {
          const until = performance.now() + 30;
          while (performance.now() < until) {
            /* busy, as a model's fit is */
          }
          made.slices++;
          yield;
        }
        return { cuts: { n: samples.length }, people: samples.length, computedAt };
      },
    },
  };
}

let unregister: (() => void) | undefined;
afterEach(() => {
  unregister?.();
  unregister = undefined;
});

describe('PopulationJob', () => {
  it('runs a long population computation a slice per step, so the pipeline can fold between them, and saves it once, without people who refused analytics', async () => {
    const made = { slices: 0 };
    unregister = registerTraitKind(slowKind(5, made));
    const tree = { type: 'slow_population' } as unknown as ComputedNode;
    const plan = compileDefinitions([{ name: 'slow', tree }], []);
    // The fourth refused analytics: left out of the population.
    const profiles = Array.from({ length: 4 }, (_, i) => ({
      id: `p${i}`,
      rank: i + 1,
      computed: { slow: i },
      consent: {
        current: i === 3 ? { analytics: { granted: false, at: '2026-01-01T00:00:00Z' } } : {},
        history: [],
      },
    })) as unknown as (StoredProfile & { rank: number })[];
    const saved: TraitPopulation[] = [];
    const job = new PopulationJob({
      store: {
        live: () => Promise.resolve({ profiles, next: null }),
        savePopulation: (_key, population) => {
          saved.push(population);
          return Promise.resolve();
        },
      },
      plan: () => Promise.resolve(plan),
      now: () => Date.UTC(2026, 0, 1),
      refreshMs: 3_600_000,
      computed: () => undefined,
    });
    const steps = [];
    for (let i = 0; i < 20; i++) {
      const step = await job.step();
      steps.push(step);
      if (step.finished) break;
    }
    // Each step ran at most one 30 ms slice past its 20 ms budget: several steps, one save.
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expect(steps.slice(0, -1).every((s) => !s.finished && s.worked > 0)).toBe(true);
    expect(steps.at(-1)?.finished).toBe(true);
    expect(made.slices).toBe(5);
    expect(saved).toEqual([{ cuts: { n: 3 }, people: 3, computedAt: '2026-01-01T00:00:00.000Z' }]);
    // Fresh now: nothing to do until the population grows old.
    expect(await job.step()).toEqual({ worked: 0, finished: true });
  });
});
