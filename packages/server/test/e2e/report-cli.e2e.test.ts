import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));

let dir: string;
let data: string;
const tailor = (...args: string[]) => run(process.execPath, [CLI, ...args, '--data', data]);
const failure = (...args: string[]) =>
  tailor(...args).then(
    () => {
      throw new Error(`tailor ${args.join(' ')} succeeded`);
    },
    (error: unknown) => error as { code: number; stderr: string },
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-report-cli-'));
  data = join(dir, 'data');
  const events = [
    {
      type: 'page',
      userId: 'a',
      timestamp: '2026-11-01T10:00:00Z',
      context: { campaign: { source: 'google' } },
    },
    { type: 'track', userId: 'a', event: 'Signed Up', timestamp: '2026-11-01T10:05:00Z' },
    {
      type: 'track',
      userId: 'a',
      event: 'Order Completed',
      properties: { revenue: 20 },
      timestamp: '2026-11-02T10:05:00Z',
    },
    {
      type: 'page',
      userId: 'b',
      timestamp: '2026-11-01T10:00:00Z',
      context: { campaign: { source: 'bing' } },
    },
    { type: 'track', userId: 'b', event: 'Signed Up', timestamp: '2026-11-03T10:05:00Z' },
  ];
  writeFileSync(join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n'));
  await tailor('import', join(dir, 'events.jsonl'));
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tailor report (the CLI)', () => {
  it('runs a funnel over the data folder and writes it as CSV', async () => {
    const out = join(dir, 'reports', 'funnel.csv');
    const body = JSON.stringify({ steps: [{ event: 'Signed Up' }, { event: 'Order Completed' }] });
    await tailor('report', 'funnel', '--body', body, '--csv', '--out', out);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n').slice(1)).toEqual([
      '1,Signed Up,2,1,1,0,,',
      '2,Order Completed,1,0.5,0.5,1,86400,86400',
    ]);
  }, 60_000);

  it('prints attribution as JSON, the request read from a file', async () => {
    const file = join(dir, 'attribution.json');
    writeFileSync(
      file,
      JSON.stringify({ conversion: 'Order Completed', by: 'source', models: ['first_touch'] }),
    );
    const { stdout } = await tailor('report', 'attribution', '--body-file', file);
    expect(JSON.parse(stdout).models.first_touch.shares).toEqual({ google: 1 });
  }, 60_000);

  it('refuses a request its report does not accept, and a report it does not know', async () => {
    const bad = await failure(
      'report',
      'retention',
      '--body',
      '{"start": {"event": "A"}, "period": "fortnight"}',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid retention request: \/period/);
    const notJson = await failure('report', 'funnel', '--body', '{steps');
    expect(notJson.stderr).toMatch(/not JSON/);
    const unknown = await failure('report', 'churn');
    expect(unknown.stderr).toMatch(
      /'churn' is invalid.*attribution, funnel, retention, kpis, quality/,
    );
  }, 60_000);
});
