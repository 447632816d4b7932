import * as fs from 'node:fs';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { openTailor } from '../src/open-tailor.js';
import { newKeyring, readKeyFile, writeKeyFile } from '../src/privacy/keyring.js';
import { makeDataFolder } from '../src/privacy/private-files.js';
import { openForRotation } from '../src/privacy/rotate-keys.js';

// Pass-through spies on the calls that make a key file durable, to check their order.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    fsyncSync: vi.fn(real.fsyncSync),
    renameSync: vi.fn(real.renameSync),
    linkSync: vi.fn(real.linkSync),
    openSync: vi.fn(real.openSync),
  };
});

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tailor-files-'));
});
afterEach(() => {
  vi.clearAllMocks();
  rmSync(root, { recursive: true, force: true });
});

const mode = (path: string): number => statSync(path).mode & 0o777;

describe("the data folder is its owner's alone", () => {
  it("makes the folder 0700 and every file in it 0600, SQLite's -wal and -shm included", async () => {
    const dir = join(root, 'data');
    const config = loadConfig({ flags: { dataDir: dir, logLevel: 'silent' }, env: {}, cwd: root });
    const tailor = await openTailor(config);
    try {
      await tailor.collector.collect({
        messages: [{ type: 'identify', userId: 'u1', traits: { email: 'ann@example.com' } }],
        source: 'key:test',
      });
      await tailor.pipeline.catchUp();
      expect(mode(dir)).toBe(0o700);
      const files = readdirSync(dir);
      expect(files).toEqual(
        expect.arrayContaining([
          'log.sqlite',
          'log.sqlite-wal',
          'log.sqlite-shm',
          'state.sqlite',
          'state.sqlite-wal',
          'audit.sqlite',
          'encryption.keys',
          'suppression.key',
        ]),
      );
      const open = files
        .filter((f) => (mode(join(dir, f)) & 0o077) !== 0)
        .map((f) => `${f} ${mode(join(dir, f)).toString(8)}`);
      expect(open).toEqual([]);
    } finally {
      await tailor.close();
    }
  });

  it('warns about a folder others can read or enter, not about a private one', () => {
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    expect(makeDataFolder(open)).toMatch(/open to other users \(mode 0755\).*chmod 700/);
    const closed = join(root, 'closed');
    expect(makeDataFolder(closed)).toBeUndefined();
    expect(mode(closed)).toBe(0o700);
  });
});

describe('key files are written durably', () => {
  it('fsyncs the new key file before renaming it over the old one, then fsyncs the folder', () => {
    const file = join(root, 'encryption.keys');
    readKeyFile(file, true);
    vi.clearAllMocks();
    writeKeyFile(file, newKeyring());
    const fsync = vi.mocked(fs.fsyncSync);
    const rename = vi.mocked(fs.renameSync);
    expect(rename).toHaveBeenCalledTimes(1);
    expect(fsync).toHaveBeenCalledTimes(2);
    const [asideFd] = fsync.mock.calls[0]!;
    const [folderFd] = fsync.mock.calls[1]!;
    // The first fsync is of the file written aside, the second of the folder opened after the rename
    // (file descriptors are reused: each is the latest open with that number before its fsync).
    const open = vi.mocked(fs.openSync).mock;
    const openedAs = (fd: unknown, before: number): string | undefined =>
      open.calls
        .map((call, i) => ({
          path: String(call[0]),
          fd: open.results[i]?.value as unknown,
          at: open.invocationCallOrder[i]!,
        }))
        .filter((o) => o.fd === fd && o.at < before)
        .pop()?.path;
    expect(openedAs(asideFd, fsync.mock.invocationCallOrder[0]!)).toBe(
      String(rename.mock.calls[0]![0]),
    );
    expect(openedAs(folderFd, fsync.mock.invocationCallOrder[1]!)).toBe(root);
    expect(fsync.mock.invocationCallOrder[0]!).toBeLessThan(rename.mock.invocationCallOrder[0]!);
    expect(rename.mock.invocationCallOrder[0]!).toBeLessThan(fsync.mock.invocationCallOrder[1]!);
    expect(mode(file)).toBe(0o600);
    expect(readdirSync(root)).toEqual(['encryption.keys']);
  });

  it('makes a missing key file durably and keeps one made meanwhile by another process', () => {
    const file = join(root, 'encryption.keys');
    const made = readKeyFile(file, true);
    expect(vi.mocked(fs.fsyncSync)).toHaveBeenCalledTimes(2);
    expect(vi.mocked(fs.linkSync)).toHaveBeenCalledTimes(1);
    expect(readKeyFile(file, true).index.equals(made.index)).toBe(true);
    expect(mode(file)).toBe(0o600);
  });

  it('rotation fsyncs every commit (synchronous=FULL), though a WAL file reopened defaults to NORMAL', () => {
    const file = join(root, 'state.sqlite');
    const first = new Database(file);
    first.pragma('journal_mode = WAL');
    first.close();
    const plain = new Database(file);
    expect(plain.pragma('synchronous', { simple: true })).toBe(1);
    plain.close();
    const rotation = openForRotation(file);
    expect(rotation.pragma('synchronous', { simple: true })).toBe(2);
    rotation.close();
  });
});
