import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto';
import type { Keyring } from './keyring.js';

/**
 * How personal data is written to disk. Stores seal each column that may hold personal data
 * (message payloads, traits, identifiers, deliveries) and look identifiers up by their blind
 * index instead of their value. Two implementations: AES-256-GCM under a keyring, and plain
 * (encryption off), which stores values as they are.
 */
export interface Sealer {
  /** False when values are stored as they are. */
  readonly encrypts: boolean;
  /** Names the blind index, so a data folder indexed under another key (or none) is refused at open. */
  readonly indexId: string;
  seal(text: string): string | Buffer;
  /** Reads a sealed value back; a plain (text) value is returned as it is, so older rows stay readable. */
  open(stored: string | Buffer): string;
  /** What an identifier's lookup column holds: a keyed hash (HMAC-SHA256) of type and value, or the value. */
  blind(type: string, value: string): string;
  blind(type: string, value: string | null | undefined): string | null;
  /** Whether a stored value is not sealed under the current key (rotation reseals it). */
  stale(stored: string | Buffer): boolean;
}

export const plainSealer: Sealer = {
  encrypts: false,
  indexId: 'plain',
  seal: (text) => text,
  open: (stored) => (typeof stored === 'string' ? stored : stored.toString('utf8')),
  blind: ((_type: string, value: string | null | undefined) => value ?? null) as Sealer['blind'],
  stale: () => false,
};

/** Sealed layout: version (1 byte), key id (uint16), IV (12), GCM tag (16), ciphertext. */
const VERSION = 1;
const HEADER = 1 + 2 + 12 + 16;

/**
 * AES-256-GCM with a fresh random IV per value (at most 2^32 values per key keeps IV collisions
 * negligible; rotate well before that). Blind indexes are HMAC-SHA256 under the keyring's index key,
 * truncated to 128 bits; recent ones are remembered, since the same identifiers recur on every event.
 */
export function createAesSealer(keyring: Keyring): Sealer {
  const current = keyring.keys.get(keyring.current);
  if (current === undefined) throw new Error(`the keyring's current key ${keyring.current} is missing`);
  const blinds = new Map<string, string>();
  const BLIND_CACHE = 100_000;
  // IVs are cut from a pool of random bytes filled 4,096 at a time (a call per value costs more than the cipher).
  const ivs = Buffer.allocUnsafe(12 * 4096);
  let nextIv = ivs.length;
  const iv = (): Buffer => {
    if (nextIv === ivs.length) {
      randomFillSync(ivs);
      nextIv = 0;
    }
    nextIv += 12;
    return ivs.subarray(nextIv - 12, nextIv);
  };

  const blind = (type: string, value: string | null | undefined): string | null => {
    if (value === null || value === undefined) return null;
    const key = `${type}\u0000${value}`;
    let hashed = blinds.get(key);
    if (hashed === undefined) {
      hashed = createHmac('sha256', keyring.index).update(key).digest().subarray(0, 16).toString('base64url');
      if (blinds.size >= BLIND_CACHE) blinds.clear();
      blinds.set(key, hashed);
    }
    return hashed;
  };

  return {
    encrypts: true,
    indexId: `hmac-sha256:${fingerprint(keyring.index)}`,
    seal(text) {
      const nonce = iv();
      const cipher = createCipheriv('aes-256-gcm', current, nonce);
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      const out = Buffer.allocUnsafe(HEADER + body.length);
      out[0] = VERSION;
      out.writeUInt16BE(keyring.current, 1);
      nonce.copy(out, 3);
      cipher.getAuthTag().copy(out, 15);
      body.copy(out, HEADER);
      return out;
    },
    open(stored) {
      if (typeof stored === 'string') return stored;
      if (stored.length < HEADER || stored[0] !== VERSION) throw new Error('a stored value is neither text nor sealed by Tailor');
      const id = stored.readUInt16BE(1);
      const key = keyring.keys.get(id);
      if (key === undefined) throw new Error(`a stored value was sealed under key ${id}, which is not in the keyring`);
      const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(3, 15));
      decipher.setAuthTag(stored.subarray(15, HEADER));
      return Buffer.concat([decipher.update(stored.subarray(HEADER)), decipher.final()]).toString('utf8');
    },
    blind: blind as Sealer['blind'],
    stale: (stored) => typeof stored === 'string' || stored.readUInt16BE(1) !== keyring.current,
  };
}

/** A short public name for a key (an HMAC of a constant under it), to tell keys apart without showing them. */
export function fingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('tailor key fingerprint').digest('hex').slice(0, 16);
}
