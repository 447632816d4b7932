import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { openTailor } from '../../src/open-tailor.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tailor.js', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-segments-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tailor segments backfill (the CLI)', () => {
  it('re-evaluates every profile for a segment and reports its members', async () => {
    const tailor = await openTailor(
      loadConfig({ flags: { dataDir: dir, logLevel: 'silent' }, env: {}, cwd: dir }),
    );
    const messages = Array.from({ length: 120 }, (_, i) => ({
      type: 'track',
      userId: `u${i % 40}`,
      event: i % 3 === 0 ? 'Order Completed' : 'Page Viewed',
    }));
    await tailor.collector.collect({ messages, source: 'import:test' });
    await tailor.definitions.put('segment', 'buyers', 'count("Order Completed") >= 1', new Date());
    await tailor.close();

    const { stdout } = await run(process.execPath, [
      CLI,
      'segments',
      'backfill',
      'buyers',
      '--data',
      dir,
    ]);
    // Orders are messages 0, 3, 6, ...: users i % 40 for i in multiples of 3 below 120 cover all 40.
    expect(stdout).toMatch(/buyers: 40 of 40 profiles are members/);

    const missing = await run(process.execPath, [
      CLI,
      'segments',
      'backfill',
      'nope',
      '--data',
      dir,
    ]).catch((e: unknown) => e as { code: number; stderr: string });
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/no segment nope/) });
  }, 60_000);
});
