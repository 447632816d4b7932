import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_AUTH, cleanupTailors, postCollect, spawnTailor } from './support/spawn-tailor.js';

afterAll(async () => {
  await cleanupTailors();
});

/**
 * `listening on` means the whole server runs: the background worker (pipeline, dispatcher, caches)
 * included, so the first event after a start is folded as fast as any later one. The bound below is
 * not a speed target but a check that nothing is still starting: a fresh start used to take ~2 s to
 * fold its first event.
 */
describe('tailor serve is ready when it says so', () => {
  it('answers ready on /health and folds the first event at once, right after "listening on"', async () => {
    const tailor = await spawnTailor();
    const health = await fetch(`${tailor.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', ready: true, background: 'running' });

    const acked = await postCollect(tailor.url, '/v1/identify', {
      userId: 'first-1',
      traits: { plan: 'pro' },
    });
    expect(acked.status).toBe(200);
    const ackedAt = Date.now();
    let readableAfter: number | undefined;
    while (Date.now() - ackedAt < 5_000) {
      const response = await fetch(`${tailor.url}/v1/profiles?identifier=userId:first-1`, {
        headers: { authorization: ADMIN_AUTH },
      });
      if (response.status === 200) {
        const profile = (await response.json()) as { traits: Record<string, unknown> };
        if (profile.traits.plan === 'pro') {
          readableAfter = Date.now() - ackedAt;
          break;
        }
      } else await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    console.log(`first event readable in its profile ${String(readableAfter)} ms after its ack`);
    expect(readableAfter).toBeDefined();
    expect(readableAfter!).toBeLessThan(1_000);
    expect(await tailor.stop()).toBe(0);
  });
});

describe('tailor serve and its data folder', () => {
  it('warns at start about a folder others can read, and creates every file in it 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-e2e-open-'));
    try {
      chmodSync(dir, 0o755);
      const tailor = await spawnTailor({ dir });
      expect(tailor.output()).toMatch(/data folder .* is open to other users \(mode 0755\)/);
      expect(
        await postCollect(tailor.url, '/v1/identify', {
          userId: 'u-1',
          traits: { email: 'u1@example.com' },
        }),
      ).toHaveProperty('status', 200);
      const open = readdirSync(dir).filter((f) => (statSync(join(dir, f)).mode & 0o077) !== 0);
      expect(open).toEqual([]);
      expect(await tailor.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
