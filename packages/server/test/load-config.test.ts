import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, withoutPassword } from '../src/config/load-config.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'tailor-config-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({ flags: {}, env: {}, cwd });
    expect(config).toMatchObject({
      port: 7700,
      host: '127.0.0.1',
      dataDir: '.tailor',
      defaultRegion: 'US',
      logLevel: 'info',
      demo: false,
      limits: { messageBytes: 32768, batchBytes: 512000 },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes flags over env over ./tailor.config.json over defaults', () => {
    writeFileSync(
      join(cwd, 'tailor.config.json'),
      JSON.stringify({
        port: 1111,
        host: '0.0.0.0',
        defaultRegion: 'DE',
        limits: { messageBytes: 4096 },
      }),
    );
    const config = loadConfig({
      flags: { port: 3333 },
      env: { TAILOR_PORT: '2222', TAILOR_HOST: '::1', TAILOR_WRITE_KEY: 'env-write-key-0001' },
      cwd,
    });
    expect(config).toMatchObject({
      port: 3333,
      host: '::1',
      defaultRegion: 'DE',
      writeKey: 'env-write-key-0001',
    });
    expect(config.limits).toEqual({ messageBytes: 4096, batchBytes: 512000 });
  });

  it('reads an explicit file from --config or TAILOR_CONFIG', () => {
    const file = join(cwd, 'elsewhere.json');
    writeFileSync(file, JSON.stringify({ logLevel: 'warn' }));
    expect(loadConfig({ flags: {}, env: {}, file, cwd }).logLevel).toBe('warn');
    expect(loadConfig({ flags: {}, env: { TAILOR_CONFIG: file }, cwd }).logLevel).toBe('warn');
  });

  it.each([
    ['a port out of range', { flags: { port: 70000 } }, /port/],
    [
      'a region that is not alpha-2',
      { env: { TAILOR_DEFAULT_REGION: 'Germany' } },
      /defaultRegion/,
    ],
    ['an unknown log level', { env: { TAILOR_LOG_LEVEL: 'loud' } }, /logLevel/],
    ['a missing explicit file', { file: '/nonexistent/tailor.json' }, /not found/],
  ])('fails fast naming the problem: %s', (_name, given, reason) => {
    expect(() => loadConfig({ flags: {}, env: {}, cwd, ...given })).toThrow(reason);
  });

  it('refuses a key from the environment or the file shorter than 16 characters, without showing it', () => {
    expect(() =>
      loadConfig({ flags: {}, env: { TAILOR_WRITE_KEY: 'short-key-15chr' }, cwd }),
    ).toThrow(/writeKey \(TAILOR_WRITE_KEY\) has 15 characters; a key needs at least 16/);
    writeFileSync(join(cwd, 'tailor.config.json'), JSON.stringify({ adminKey: 'admin-12' }));
    let message = '';
    try {
      loadConfig({ flags: {}, env: {}, cwd });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/adminKey \(TAILOR_ADMIN_KEY\) has 8 characters/);
    expect(message).not.toContain('admin-12');
    expect(
      loadConfig({ flags: {}, env: { TAILOR_ADMIN_KEY: 'sixteen-chars-ok' }, cwd }).adminKey,
    ).toBe('sixteen-chars-ok');
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    writeFileSync(
      join(cwd, 'tailor.config.json'),
      JSON.stringify({ http: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }),
    );
    expect(() => loadConfig({ flags: {}, env: {}, cwd })).toThrow(
      /http.headersTimeoutMs \(5000\) must not exceed http.requestTimeoutMs \(1000\)/,
    );
  });

  it('refuses a models purpose that is not among the purposes consent is kept for', () => {
    writeFileSync(
      join(cwd, 'tailor.config.json'),
      JSON.stringify({ models: { purpose: 'scoring' } }),
    );
    expect(() => loadConfig({ flags: {}, env: {}, cwd })).toThrow(
      /models.purpose: "scoring" is not one of privacy.purposes \(analytics, personalization, marketing, advertising\)/,
    );
    writeFileSync(
      join(cwd, 'tailor.config.json'),
      JSON.stringify({
        privacy: { purposes: ['analytics', 'scoring'] },
        models: { purpose: 'scoring' },
      }),
    );
    expect(loadConfig({ flags: {}, env: {}, cwd }).models.purpose).toBe('scoring');
    expect(loadConfig({ flags: {}, env: {}, cwd: tmpdir() }).models.purpose).toBe('analytics');
  });

  it('refuses a config file that is not a JSON object or has unknown keys', () => {
    writeFileSync(join(cwd, 'tailor.config.json'), '[1, 2]');
    expect(() => loadConfig({ flags: {}, env: {}, cwd })).toThrow(/not a JSON object/);
    writeFileSync(join(cwd, 'tailor.config.json'), JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ flags: {}, env: {}, cwd })).toThrow(/invalid configuration/);
  });

  describe('storage', () => {
    it('is the embedded store unless both a PostgreSQL and a NATS URL are given', () => {
      expect(loadConfig({ flags: {}, env: {}, cwd }).storage).toEqual({});
      // A schema or prefix alone does not choose the backend.
      const named = loadConfig({
        flags: {},
        env: { TAILOR_POSTGRES_SCHEMA: 'shop', TAILOR_NATS_PREFIX: 'shop' },
        cwd,
      });
      expect(named.storage).toEqual({});
    });

    it('takes flags over env over the file, key by key, with defaults for the rest', () => {
      writeFileSync(
        join(cwd, 'tailor.config.json'),
        JSON.stringify({
          storage: {
            postgres: { url: 'postgres://file@db/file', maxConnections: 4 },
            nats: { url: 'nats://file:4222', replicas: 3 },
          },
        }),
      );
      const config = loadConfig({
        flags: {
          storage: { postgres: { url: 'postgres://flag@db/flag' }, nats: { url: undefined } },
        },
        env: {
          TAILOR_POSTGRES_URL: 'postgres://env@db/env',
          TAILOR_POSTGRES_SCHEMA: 'shop_eu',
          TAILOR_NATS_URL: 'nats://env:4222',
          TAILOR_NATS_PREFIX: 'shop-eu',
          TAILOR_ENCRYPTION_KEY_FILE: '/etc/tailor/keys',
        },
        cwd,
      });
      expect(config.storage).toEqual({
        postgres: { url: 'postgres://flag@db/flag', schema: 'shop_eu', maxConnections: 4 },
        nats: {
          url: 'nats://env:4222',
          prefix: 'shop-eu',
          replicas: 3,
          partitions: 16,
          duplicateWindowMinutes: 1440,
        },
      });
    });

    it('refuses one backend without the other, naming what is missing, and a schema that is no identifier', () => {
      expect(() =>
        loadConfig({ flags: {}, env: { TAILOR_POSTGRES_URL: 'postgres://db/x' }, cwd }),
      ).toThrow(/needs both; a NATS URL \(--nats or TAILOR_NATS_URL\) is missing/);
      expect(() =>
        loadConfig({ flags: { storage: { nats: { url: 'nats://n:4222' } } }, env: {}, cwd }),
      ).toThrow(/a PostgreSQL URL \(--postgres or TAILOR_POSTGRES_URL\) is missing/);
      expect(() =>
        loadConfig({
          flags: {},
          env: {
            TAILOR_POSTGRES_URL: 'postgres://db/x',
            TAILOR_NATS_URL: 'nats://n:4222',
            TAILOR_POSTGRES_SCHEMA: 'Robert"); DROP',
            TAILOR_ENCRYPTION_KEY_FILE: '/etc/tailor/keys',
          },
          cwd,
        }),
      ).toThrow(/storage\/postgres\/schema/);
    });

    it('needs a keyring given alike to every node, not one made in each data folder', () => {
      const env = { TAILOR_POSTGRES_URL: 'postgres://db/x', TAILOR_NATS_URL: 'nats://n:4222' };
      expect(() => loadConfig({ flags: {}, env, cwd })).toThrow(
        /share one encryption keyring: make it once with `tailor keys init FILE`/,
      );
      const withKeys = loadConfig({
        flags: {},
        env: { ...env, TAILOR_ENCRYPTION_KEY_FILE: join(cwd, 'keys') },
        cwd,
      });
      expect(withKeys.privacy.encryption.keyFile).toBe(join(cwd, 'keys'));
    });

    it('prints a URL without its password', () => {
      expect(withoutPassword('postgres://tailor:s3cret@db:5432/shop')).toBe(
        'postgres://tailor:***@db:5432/shop',
      );
      expect(withoutPassword('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
      expect(withoutPassword('not a url s3cret')).not.toContain('s3cret');
    });
  });
});
