import { afterEach, describe, expect, it, vi } from 'vitest';
import { decide, MAX_PLACEMENTS } from '../src/decide.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('decide', () => {
  it('sends at most 20 placements; more get fallbacks saying why, without a request', async () => {
    const fetch = vi.fn(() => Promise.resolve(new Response(JSON.stringify({ decisions: [] }))));
    vi.stubGlobal('fetch', fetch);
    const placements = Array.from({ length: MAX_PLACEMENTS + 1 }, (_, i) => `p${String(i)}`);
    const decisions = await decide({
      url: 'https://t.example/v1/decide',
      body: { placements },
      timeoutMs: 1000,
    });
    expect(MAX_PLACEMENTS).toBe(20);
    expect(fetch).not.toHaveBeenCalled();
    expect(decisions).toHaveLength(21);
    expect(decisions[0]).toMatchObject({
      placement: 'p0',
      fallback: true,
      reasons: ['unavailable: decide takes at most 20 placements a call'],
    });
    await decide({
      url: 'https://t.example/v1/decide',
      body: { placements: placements.slice(0, 20) },
      timeoutMs: 1000,
    });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
