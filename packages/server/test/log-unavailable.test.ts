import { afterEach, describe, expect, it } from 'vitest';
import { LogUnavailableError } from '../src/log/jetstream/log-unavailable.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

describe('an event log that cannot store events', () => {
  let t: TestTailor | undefined;
  afterEach(async () => {
    await t?.close();
  });

  it('answers 503 with Retry-After and says nothing of the infrastructure; the retry is stored once', async () => {
    t = await startTestTailor();
    const { log } = t.tailor;
    const append = log.append.bind(log);
    log.append = () =>
      Promise.reject(new LogUnavailableError('JetStream: connect ECONNREFUSED 10.0.0.7:4222'));
    const message = { type: 'track', event: 'Viewed', userId: 'u1', messageId: 'm-1' };
    const refused = await t.post('/v1/batch', { batch: [message] });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual({
      code: 'unavailable',
      message: 'the event log cannot store events now; retry later',
      retryAfter: 1,
    });
    expect(refused.body).not.toContain('10.0.0.7');

    log.append = append;
    expect((await t.post('/v1/batch', { batch: [message] })).statusCode).toBe(200);
    expect((await t.post('/v1/batch', { batch: [message] })).statusCode).toBe(200);
    expect(await t.eventsOf('u1')).toHaveLength(1);
  });
});
