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

describe('journey dry run with the real server', () => {
  it('`tailor journey dry-run` prints the steps and emails the HTTP dry run answers', async () => {
    const server = await spawnTailor({ logLevel: 'warn', startTimeoutMs: 60_000 });
    const admin = (method: string, path: string, body: object) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const put = await admin('PUT', '/v1/journeys/welcome', {
      entry: { event: 'Signed Up' },
      steps: [{ wait: '1h' }, { email: { subject: 'Hi {{ traits.name }}', html: '<p>x</p>' } }],
    });
    expect(put.status).toBe(200);
    await postCollect(server.url, '/v1/identify', {
      userId: 'dry-user',
      traits: { email: 'dry@example.com', name: 'Dry' },
    });
    let http: { steps: { path: string; email?: object }[] } | undefined;
    for (let i = 0; i < 200 && http === undefined; i++) {
      const res = await admin('POST', '/v1/journeys/welcome/dry-run', {
        identifier: 'userId:dry-user',
      });
      if (res.status === 200) http = (await res.json()) as typeof http;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(http?.steps[1]?.email).toMatchObject({ to: 'dry@example.com', subject: 'Hi Dry' });
    const { stdout } = await run(process.execPath, [
      CLI,
      'journey',
      'dry-run',
      'welcome',
      'email:dry@example.com',
      '--data',
      server.dir,
    ]);
    const cli = JSON.parse(stdout) as NonNullable<typeof http>;
    const shape = (r: NonNullable<typeof http>) => r.steps.map((s) => [s.path, s.email]);
    expect(shape(cli)).toEqual(shape(http!));
  }, 120_000); // a server start and a CLI start on a loaded machine
});
