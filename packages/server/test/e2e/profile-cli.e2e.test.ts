import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_AUTH, cleanupTailors, postCollect, spawnTailor } from './support/spawn-tailor.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));

afterAll(async () => {
  await cleanupTailors();
});

describe('profiles with the real server', () => {
  it('the running server folds events into profiles; `tailor profile` prints the same JSON', async () => {
    const server = await spawnTailor({ logLevel: 'warn' });
    const response = await postCollect(server.url, '/v1/batch', {
      batch: [
        { type: 'track', anonymousId: 'cli-anon', event: 'Product Viewed' },
        {
          type: 'identify',
          anonymousId: 'cli-anon',
          userId: 'cli-user',
          traits: { email: 'Cli@Example.com', plan: 'pro' },
        },
      ],
    });
    expect(response.status).toBe(200);

    // The pipeline runs on its own: poll until the profile shows the identify.
    let profile: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && profile === undefined; i++) {
      const res = await fetch(`${server.url}/v1/profiles?identifier=userId:cli-user`, {
        headers: { authorization: ADMIN_AUTH },
      });
      if (res.status === 200) profile = (await res.json()) as Record<string, unknown>;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(profile).toMatchObject({ traits: { email: 'cli@example.com', plan: 'pro' } });

    const { stdout } = await run(process.execPath, [
      CLI,
      'profile',
      'email:CLI@example.com',
      '--data',
      server.dir,
    ]);
    expect(JSON.parse(stdout)).toEqual(profile);

    const missing = await run(process.execPath, [
      CLI,
      'profile',
      'userId:nobody',
      '--data',
      server.dir,
    ]).catch((error: unknown) => error as { code: number; stderr: string });
    expect(missing).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no profile holds userId:nobody/),
    });
    expect(missing.stderr).not.toMatch(/identifier types/);
    // A type the installation does not have (a typo for email) is named, with the types there are.
    const typo = await run(process.execPath, [
      CLI,
      'profile',
      'mail:x',
      '--data',
      server.dir,
    ]).catch((error: unknown) => error as { code: number; stderr: string });
    expect(typo).toMatchObject({
      code: 1,
      stderr:
        'no profile holds mail:x: mail is not an identifier type here; the identifier types are userId, email, phone, anonymousId (identity.identifiers in the config)\n',
    });
    const bare = await run(process.execPath, [
      CLI,
      'profile',
      'ann@example.com',
      '--data',
      server.dir,
    ]).catch((error: unknown) => error as { code: number; stderr: string });
    expect(bare).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^an identifier is TYPE:VALUE.*the identifier types are userId, email, phone, anonymousId/,
      ),
    });
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 60_000);
});
