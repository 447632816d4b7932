import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { StoredMessage } from '@tailor/core';
import { buildApp } from '../src/http/build-app.js';
import { serializeError } from '../src/http/log-options.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

const EMAIL = 'ann.lee@example.com';
const PHONE = '+33612345678';

let t: TestTailor;
let app: FastifyInstance;
let lines: string[];

beforeEach(async () => {
  t = await startTestTailor();
  lines = [];
  // The app as `tailor serve` builds it (the test helper's has no logger), its pino output captured.
  app = await buildApp({
    tailor: t.tailor,
    logger: { level: 'info', stream: { write: (line) => lines.push(line) } },
  });
  await app.ready();
});
afterEach(async () => {
  await app.close();
  await t.close();
});

describe('logs', () => {
  it('an unexpected error is logged without the email or phone of its URL, body or message', async () => {
    // Stores that fail, quoting what they were given, as a driver's error might.
    t.tailor.profiles.byIdentifier = (identifier) =>
      Promise.reject(new Error(`lookup failed for ${identifier.type}:${identifier.value}`));
    t.tailor.log.append = (messages: readonly StoredMessage[]) =>
      Promise.reject(
        Object.assign(new Error(`append failed: ${JSON.stringify(messages)}`), {
          body: messages,
          code: 'E_DISK',
        }),
      );

    const read = await app.inject({
      method: 'GET',
      url: `/v1/profiles?identifier=email:${EMAIL}`,
      headers: { authorization: t.adminAuth },
    });
    expect(read.statusCode).toBe(500);
    const sent = await app.inject({
      method: 'POST',
      url: `/v1/identify?email=${EMAIL}`,
      headers: { authorization: t.writeAuth },
      payload: { userId: 'u1', traits: { email: EMAIL, phone: PHONE } },
    });
    expect(sent.statusCode).toBe(500);
    app.log.info({ traits: { email: EMAIL } }, `told about ${EMAIL}`);

    const output = lines.join('');
    expect(lines.filter((l) => l.includes('request failed'))).toHaveLength(2);
    expect(output).toContain('E_DISK'); // what failed is still there to debug
    expect(output).not.toContain(EMAIL);
    expect(output).not.toContain('ann.lee');
    expect(output).not.toContain(PHONE);
    expect(output).not.toContain('identifier=');
  });

  it('an error is logged by type, code, message and stack, scrubbed, and nothing else it holds', () => {
    const error = Object.assign(
      new Error(`no profile for ${EMAIL}`, { cause: new Error(`call ${PHONE}`) }),
      {
        code: 'E_X',
        statusCode: 500,
        details: { email: EMAIL },
        body: { traits: { email: EMAIL } },
      },
    );
    const logged = serializeError(error);
    expect(logged).toMatchObject({
      type: 'Error',
      message: 'no profile for [email]',
      code: 'E_X',
      statusCode: 500,
      cause: { message: 'call [phone]' },
    });
    expect(Object.keys(logged).sort()).toEqual([
      'cause',
      'code',
      'message',
      'stack',
      'statusCode',
      'type',
    ]);
    expect(JSON.stringify(logged)).not.toMatch(/ann\.lee|\+336/);
  });
});
