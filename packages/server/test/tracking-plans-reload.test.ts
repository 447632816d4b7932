import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrackingPlans } from '../src/collect/tracking-plans.js';
import { openMemoryStateStore } from '../src/store/memory/memory-state-store.js';

const plan = (target: string, pattern: string) => ({
  target,
  mode: 'block' as const,
  schema: { type: 'object', properties: { code: { type: 'string', pattern } } },
  updatedAt: '2026-12-01T00:00:00Z',
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('tracking plans saved under older rules', () => {
  it('leaves out, and says so, a stored plan that no longer compiles; the others are enforced', async () => {
    const store = openMemoryStateStore();
    // Written before patterns were held to the engine's size limit (16,005 instructions).
    const huge =
      '(?:a{0,1000}){0,1}(?:a{0,1000})a{0,1000}a{0,1000}a{0,1000}a{0,1000}a{0,1000}a{0,1000}(b|!)';
    await store.trackingPlans.put(plan('event:Old', huge));
    await store.trackingPlans.put(plan('event:Signed Up', '^S-[0-9]+$'));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const plans = await TrackingPlans.open(store.trackingPlans, []);
    expect([...plans.current.keys()]).toEqual(['event:Signed Up']);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0]?.[0])).toMatch(
      /tracking plan for event:Old is not enforced: it no longer compiles; save it again.*too large/,
    );
  });
});
