import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const BUDGET = 8 * 1024;
const bundle = fileURLToPath(new URL('../dist/tailor.min.js', import.meta.url));

describe('the built SDK', () => {
  beforeAll(() => {
    // Built from the current sources, so the budget is checked against what would ship.
    execFileSync(process.execPath, [
      fileURLToPath(new URL('../build.js', import.meta.url)),
      '--quiet',
    ]);
  });

  it(`is at most ${String(BUDGET)} bytes gzipped`, () => {
    const code = readFileSync(bundle);
    const gzipped = gzipSync(code).length;
    console.log(
      `tailor.min.js: ${String(code.length)} bytes, ${String(gzipped)} gzipped (budget ${String(BUDGET)})`,
    );
    expect(gzipped).toBeLessThanOrEqual(BUDGET);
  });

  it('is one script that defines window.tailor, with no module syntax left', () => {
    const code = readFileSync(bundle, 'utf8');
    expect(code).toMatch(/^\/\*! tailor\.js \d+\.\d+\.\d+/);
    expect(code).toContain('tailor');
    expect(code).not.toMatch(/\bimport\s*[{(*]|\bexport\s*[{*]|__TAILOR_VERSION__/);
  });
});
