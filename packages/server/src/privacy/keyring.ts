import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { TailorError } from '@tailor/core';
import { writeFileDurably } from './private-files.js';

/**
 * The keys personal data is encrypted under: numbered data keys (the current one seals new
 * values; older ones still open what they sealed until a rotation reseals it) and the key of the
 * blind index identifiers are looked up by. All 256-bit.
 */
export interface Keyring {
  current: number;
  keys: Map<number, Buffer>;
  index: Buffer;
}

/** The keyring as written to a key file or given in TAILOR_ENCRYPTION_KEYS: keys in base64. */
interface KeyringFile {
  version: 1;
  current: number;
  keys: Record<string, string>;
  index: string;
}

export function parseKeyring(text: string, source: string): Keyring {
  const fail = (why: string): never => {
    throw new TailorError('invalid_request', `encryption keys in ${source}: ${why}`);
  };
  let parsed: Partial<KeyringFile>;
  try {
    parsed = JSON.parse(text) as Partial<KeyringFile>;
  } catch {
    return fail('not JSON');
  }
  const keys = new Map<number, Buffer>();
  for (const [id, value] of Object.entries(parsed.keys ?? {})) {
    const n = Number(id);
    if (!Number.isInteger(n) || n < 1 || n > 0xffff)
      fail(`key id ${id} is not an integer from 1 to 65535`);
    keys.set(n, keyBytes(value, `key ${id}`, fail));
  }
  if (typeof parsed.current !== 'number' || !keys.has(parsed.current))
    fail('"current" must name one of "keys"');
  return { current: parsed.current as number, keys, index: keyBytes(parsed.index, 'index', fail) };
}

function keyBytes(value: unknown, name: string, fail: (why: string) => never): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) fail(`${name} must be 32 bytes in base64`);
  return bytes;
}

export function formatKeyring(keyring: Keyring): string {
  const file: KeyringFile = {
    version: 1,
    current: keyring.current,
    keys: Object.fromEntries(
      [...keyring.keys].map(([id, key]) => [String(id), key.toString('base64')]),
    ),
    index: keyring.index.toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function newKeyring(): Keyring {
  return { current: 1, keys: new Map([[1, randomBytes(32)]]), index: randomBytes(32) };
}

/**
 * The keyring from its file, made (readable by its owner only, and durably: data sealed under a
 * key the disk lost would be lost too) when missing.
 */
export function readKeyFile(file: string, create: boolean): Keyring {
  if (!existsSync(file)) {
    if (!create) throw new TailorError('invalid_request', `no encryption key file at ${file}`);
    const keyring = newKeyring();
    if (writeFileDurably(file, formatKeyring(keyring), { replace: false })) return keyring;
    // Another process made it meanwhile: use theirs.
  }
  return parseKeyring(readFileSync(file, 'utf8'), file);
}

/** Replaces the key file in one step: written aside and fsynced, renamed over it, the folder fsynced. */
export function writeKeyFile(file: string, keyring: Keyring): void {
  writeFileDurably(file, formatKeyring(keyring), { replace: true });
}

/** A new current data key beside the old ones (and a new index key when asked). */
export function addKey(keyring: Keyring, replaceIndex: boolean): Keyring {
  const next = Math.max(...keyring.keys.keys()) + 1;
  if (next > 0xffff) throw new TailorError('invalid_request', 'the keyring has used every key id');
  return {
    current: next,
    keys: new Map([...keyring.keys, [next, randomBytes(32)]]),
    index: replaceIndex ? randomBytes(32) : keyring.index,
  };
}

/** The keyring with its current data key only: what a finished rotation leaves. */
export function onlyCurrent(keyring: Keyring): Keyring {
  const key = keyring.keys.get(keyring.current) as Buffer;
  return {
    current: keyring.current,
    keys: new Map([[keyring.current, key]]),
    index: keyring.index,
  };
}
