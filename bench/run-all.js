// Runs every benchmark under bench/ (each a *-bench.js in its own folder), one after another.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
  .flatMap((dir) =>
    readdirSync(join(here, dir.name))
      .filter((f) => f.endsWith('-bench.js'))
      .map((f) => join(here, dir.name, f)),
  )
  .sort();

let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script.slice(here.length + 1)} ===`);
  const { status, signal } = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (status !== 0) {
    failed++;
    console.error(`${script} failed (${status ?? signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
