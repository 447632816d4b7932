import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../src/decide/decider.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
beforeEach(async () => {
  t = await startTestTailor();
});
afterEach(async () => {
  await t.close();
});

function put(name: string, body: object) {
  return t.app.inject({
    method: 'PUT',
    url: `/v1/placements/${name}`,
    headers: { authorization: t.adminAuth },
    payload: body,
  });
}
async function decide(placement: string): Promise<Decision | undefined> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/decide',
    headers: { authorization: t.adminAuth },
    payload: { userId: 'p1', placements: [placement] },
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ decisions: Decision[] }>().decisions[0];
}

describe('a placement item without priority', () => {
  it('is accepted with priority 0: equal items rank in the order listed, a higher priority wins', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/v1/identify',
      headers: { authorization: t.writeAuth },
      payload: { userId: 'p1', traits: { plan: 'pro' } },
    });
    await t.tailor.pipeline.catchUp();
    const fallback = { id: 'welcome', template: 'Welcome' };
    const listed = await put('banner', {
      items: [
        { id: 'first', when: 'traits.plan = "pro"', template: 'First' },
        { id: 'second', template: 'Second' },
      ],
      default: fallback,
    });
    expect(listed.statusCode).toBe(200);
    expect(await decide('banner')).toMatchObject({ itemId: 'first', fallback: false });

    const ranked = await put('ranked', {
      items: [
        { id: 'unranked', template: 'Unranked' },
        { id: 'negative', priority: -1, template: 'Negative' },
        { id: 'ranked', priority: 1, template: 'Ranked' },
      ],
      default: fallback,
    });
    expect(ranked.statusCode).toBe(200);
    expect(await decide('ranked')).toMatchObject({ itemId: 'ranked' });

    // Still a number when given.
    expect(
      (
        await put('bad', {
          items: [{ id: 'x', priority: 'high', template: 'X' }],
          default: fallback,
        })
      ).statusCode,
    ).toBe(400);
  });
});
