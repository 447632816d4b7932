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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['./packages/server/test/support/global-services.ts'],
    reporters: ['default', './packages/server/test/support/summary-reporter.ts'],
  },
});
