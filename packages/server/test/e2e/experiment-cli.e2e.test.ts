import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ADMIN_AUTH,
  cleanupTailors,
  postCollect,
  spawnTailor,
  WRITE_AUTH,
} from './support/spawn-tailor.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));

afterAll(async () => {
  await cleanupTailors();
});

interface Results {
  computedAt: string;
  eventsRead: number;
  source: 'projection' | 'log';
  exposures: number;
  variants: { id: string; users: number; metrics: Record<string, { conversions?: number }> }[];
  srm: { ok: boolean };
}

describe('experiments with the real server and `tailor experiment results`', () => {
  it('assigns over HTTP, and the CLI prints the same results as the API, as JSON or a table', async () => {
    const server = await spawnTailor({ logLevel: 'warn' });
    const put = await fetch(`${server.url}/v1/experiments/banner`, {
      method: 'PUT',
      headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        variants: [{ id: 'old' }, { id: 'new' }],
        metrics: [{ name: 'signup', type: 'conversion', event: 'Signed Up' }],
      }),
    });
    expect(put.status).toBe(200);

    const variants: (string | null)[] = [];
    for (let i = 0; i < 400; i++) {
      const res = await fetch(`${server.url}/v1/experiments/banner/assign`, {
        method: 'POST',
        headers: { authorization: WRITE_AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: `e2e-${i}` }),
      });
      variants.push(((await res.json()) as { variant: string | null }).variant);
    }
    expect(variants.every((v) => v === 'old' || v === 'new')).toBe(true);
    const signups = variants.flatMap((v, i) =>
      i % (v === 'new' ? 4 : 8) === 0
        ? [{ type: 'track', userId: `e2e-${i}`, event: 'Signed Up' }]
        : [],
    );
    expect((await postCollect(server.url, '/v1/batch', { batch: signups })).status).toBe(200);

    const api = (await (
      await fetch(`${server.url}/v1/experiments/banner/results`, {
        headers: { authorization: ADMIN_AUTH },
      })
    ).json()) as Results;
    expect(api.exposures).toBe(400);
    expect(api.srm.ok).toBe(true);
    const expected = (id: string) =>
      variants.filter((v, i) => v === id && i % (id === 'new' ? 4 : 8) === 0).length;
    for (const v of api.variants) {
      expect(v.users).toBe(variants.filter((x) => x === v.id).length);
      expect(v.metrics.signup?.conversions).toBe(expected(v.id));
    }

    // The CLI reads the same log beside the running server.
    const { stdout } = await run(process.execPath, [
      CLI,
      'experiment',
      'results',
      'banner',
      '--data',
      server.dir,
    ]);
    const cli = JSON.parse(stdout) as Results;
    // Beside the server (which holds the projection's file) the CLI reads the log; the server
    // answers from the projection once it has caught up, reading only the log's unfolded tail.
    // Where they read from and how many events that took differ; the results do not.
    expect(cli.source).toBe('log');
    const results = ({ computedAt: _at, eventsRead: _read, source: _from, ...rest }: Results) =>
      rest;
    expect(results(cli)).toEqual(results(api));

    const table = (
      await run(process.execPath, [
        CLI,
        'experiment',
        'results',
        'banner',
        '--data',
        server.dir,
        '--table',
      ])
    ).stdout;
    expect(table).toMatch(
      /^banner: 400 people assigned, 400 exposures; uplifts against "old"; sample ratio p = /,
    );
    expect(table).toMatch(/signup \(conversion of "Signed Up"\)/);
    expect(table).toMatch(
      /^variant +n +rate +95% CI +uplift \[95% CI\] +p-value +P\(beats control\) +CUPED uplift$/m,
    );
    expect(table).toMatch(/^new +\d+ +\d+\.\d\d% +\[/m);

    const missing = await run(process.execPath, [
      CLI,
      'experiment',
      'results',
      'nope',
      '--data',
      server.dir,
    ]).catch((e: unknown) => e as { code: number; stderr: string });
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/no experiment nope/) });
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 60_000);
});
