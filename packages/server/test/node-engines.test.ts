import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * The README and package.json declare the oldest Node Tailor runs on; every package the lockfile
 * installs must run there too, or `npm install` warns EBADENGINE (and the package may not work).
 */
const root = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
) as { engines: { node: string } };
const lock = JSON.parse(
  readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8'),
) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

describe('Node versions', () => {
  it('every locked package supports the oldest Node the project declares', () => {
    const oldest = semver.minVersion(root.engines.node)?.version;
    expect(oldest).toBe('20.19.0');
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      return range !== undefined && !semver.satisfies(oldest as string, range)
        ? [`${path}@${entry.version ?? '?'} needs node ${range}`]
        : [];
    });
    expect(refusing).toEqual([]);
  });
});
