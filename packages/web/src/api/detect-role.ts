import type { ApiGet } from './api-client.js';

export type Role = 'admin' | 'marketer' | 'viewer';

export type SignIn = { ok: true; role: Role } | { ok: false; message: string };

/**
 * The API has no "who am I" route, so the role is learned from two reads: GET /v1/keys answers
 * only admin keys (200); any other valid key gets 403, whose message names its role ("a viewer
 * key cannot manage here"). GET /v1/segments then checks the key may read at all (a write key
 * may not). An unknown or revoked key is a 401 on the first call.
 */
export async function detectRole(get: ApiGet): Promise<SignIn> {
  const keys = await get('/v1/keys');
  if (keys.ok) return { ok: true, role: 'admin' };
  if (keys.status === 401) return { ok: false, message: 'This API key is unknown or revoked.' };
  if (keys.status !== 403) return { ok: false, message: failure(keys.status, keys.message) };
  const read = await get('/v1/segments');
  if (!read.ok && read.status === 403) {
    return {
      ok: false,
      message: 'This key cannot read profiles (a write key?): use a viewer, marketer or admin key.',
    };
  }
  if (!read.ok) return { ok: false, message: failure(read.status, read.message) };
  // The least-privileged role when the message does not say.
  const named = /^a (marketer|viewer) key\b/.exec(keys.message)?.[1];
  return { ok: true, role: named === 'marketer' ? 'marketer' : 'viewer' };
}

function failure(status: number, message: string): string {
  if (status === 0) return 'The Tailor server cannot be reached.';
  if (status === 429) return `Too many attempts: ${message}`;
  return `The server answered ${status}: ${message}`;
}
