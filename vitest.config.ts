import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so they never depend on a stale build.
    alias: [
      {
        find: /^@tailor\/core\/decide-limits$/,
        replacement: fileURLToPath(
          new URL('packages/core/src/decide/decide-limits.ts', import.meta.url),
        ),
      },
      {
        find: /^@tailor\/core$/,
        replacement: fileURLToPath(new URL('packages/core/src/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // Two files at a time at least: vitest's default (one less than the cores) runs them one by
    // one on two cores, where the end-to-end files spend most of their time waiting on servers
    // they started (an outage, a restart): 502 s one by one, 340 s two at a time on this machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll's default (1 s) is shorter than a loaded two-core machine's pauses: polls wait
    // for background work (a pipeline step, a journey tick), not for a speed they assert.
    expect: { poll: { timeout: 10_000 } },
    globalSetup: ['./packages/server/test/support/global-services.ts'],
    reporters: ['default', './packages/server/test/support/summary-reporter.ts'],
  },
});
