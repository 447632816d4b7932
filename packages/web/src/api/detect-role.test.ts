import { describe, expect, it } from 'vitest';
import type { ApiGet, ApiResult } from './api-client.js';
import { detectRole } from './detect-role.js';

/** An API answering each path from a table, as the server would for one key. */
function api(answers: Record<string, ApiResult<unknown>>): ApiGet {
  return <T>(path: string) => {
    const answer = answers[path];
    if (answer === undefined) throw new Error(`unexpected GET ${path}`);
    return Promise.resolve(answer as ApiResult<T>);
  };
}
const ok: ApiResult<unknown> = { ok: true, value: { items: [] } };
const refused = (status: number, message: string): ApiResult<unknown> => ({
  ok: false,
  status,
  code: status === 401 ? 'unauthorized' : 'forbidden',
  message,
});

describe('detectRole', () => {
  it.each([
    ['admin', { '/v1/keys': ok }, { ok: true, role: 'admin' }],
    [
      'marketer, named by the 403',
      { '/v1/keys': refused(403, 'a marketer key cannot manage here'), '/v1/segments': ok },
      { ok: true, role: 'marketer' },
    ],
    [
      'viewer',
      { '/v1/keys': refused(403, 'a viewer key cannot manage here'), '/v1/segments': ok },
      { ok: true, role: 'viewer' },
    ],
    [
      'viewer when the 403 does not say',
      { '/v1/keys': refused(403, 'forbidden'), '/v1/segments': ok },
      { ok: true, role: 'viewer' },
    ],
    [
      'a write key, refused',
      {
        '/v1/keys': refused(403, 'a write key cannot manage here'),
        '/v1/segments': refused(403, 'a write key cannot read here'),
      },
      { ok: false, message: expect.stringMatching(/cannot read profiles/) as unknown },
    ],
    [
      'an unknown key, refused',
      { '/v1/keys': refused(401, 'unknown or revoked API key') },
      { ok: false, message: 'This API key is unknown or revoked.' },
    ],
    [
      'a server out of reach',
      { '/v1/keys': refused(0, 'the server cannot be reached') },
      { ok: false, message: 'The Tailor server cannot be reached.' },
    ],
  ])('%s', async (_name, answers, expected) => {
    expect(await detectRole(api(answers))).toEqual(expected);
  });
});
