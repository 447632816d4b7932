import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
beforeAll(async () => {
  t = await startTestTailor();
});
afterAll(async () => {
  await t.close();
});

const decide = (placements: string[]) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/decide',
    headers: { authorization: t.writeAuth },
    payload: { userId: 'u1', placements },
  });
const names = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

describe('POST /v1/decide', () => {
  it('takes at most 20 placements: 21 is a 400 with the reason, and nothing is recorded', async () => {
    expect((await decide(names(20))).statusCode).toBe(200);
    const before = (await t.tailor.log.stats()).events;
    const refused = await decide(names(21));
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/placements.*20/),
    });
    t.tailor.flushDecisions();
    expect((await t.tailor.log.stats()).events).toBe(before);
  });
});
