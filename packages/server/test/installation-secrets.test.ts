import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keysInitCommand } from '../src/cli/keys-command.js';
import { loadConfig } from '../src/config/load-config.js';
import { installationSecrets } from '../src/privacy/installation-secrets.js';
import { parseKeyring } from '../src/privacy/keyring.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-secrets-'));
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

const SCALE_OUT = { TAILOR_POSTGRES_URL: 'postgres://db/x', TAILOR_NATS_URL: 'nats://n:4222' };

function nodeConfig(env: Record<string, string>, dataDir: string) {
  return loadConfig({ flags: { dataDir }, env: { ...SCALE_OUT, ...env }, cwd: dir });
}

describe('secrets shared by the nodes of an installation', () => {
  it('keys init makes a keyring readable by its owner only, and never overwrites one', () => {
    const file = join(dir, 'tailor.keys');
    keysInitCommand(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keyring = parseKeyring(readFileSync(file, 'utf8'), file);
    expect(keyring.index).toHaveLength(32);
    const before = readFileSync(file, 'utf8');
    expect(() => {
      keysInitCommand(file);
    }).toThrow(/exists; a keyring is never overwritten/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('are the same on every node started with the same keyring, whatever its data folder, and differ by keyring', () => {
    const [shared, other] = [join(dir, 'a.keys'), join(dir, 'b.keys')];
    keysInitCommand(shared);
    keysInitCommand(other);
    const one = installationSecrets(nodeConfig({ TAILOR_ENCRYPTION_KEY_FILE: shared }, 'node-1'));
    const two = installationSecrets(nodeConfig({ TAILOR_ENCRYPTION_KEY_FILE: shared }, 'node-2'));
    const elsewhere = installationSecrets(nodeConfig({ TAILOR_ENCRYPTION_KEY_FILE: other }, 'n'));
    expect(one).toEqual(two);
    expect(one.suppressionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(one.identitySecret).not.toBe(one.suppressionKey);
    expect(elsewhere.suppressionKey).not.toBe(one.suppressionKey);
    // Given ones win.
    const given = installationSecrets(
      nodeConfig(
        {
          TAILOR_ENCRYPTION_KEY_FILE: shared,
          TAILOR_IDENTITY_SECRET: 'an-identity-secret-of-ours-0123456789',
        },
        'n',
      ),
    );
    expect(given).toEqual({ ...one, identitySecret: 'an-identity-secret-of-ours-0123456789' });
  });

  it('must be given when the nodes run without encryption', () => {
    const file = join(dir, 'tailor.config.json');
    writeFileSync(file, JSON.stringify({ privacy: { encryption: { enabled: false } } }));
    const config = loadConfig({
      flags: {},
      env: SCALE_OUT,
      file,
      cwd: dir,
    });
    expect(() => installationSecrets(config)).toThrow(
      /need privacy.suppressionKey and decide.identitySecret/,
    );
  });
});
