import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto';
import type { Keyring } from './keyring.js';

/**
 * How personal data is written to disk: the cipher and the blind index under a keyring. Stores do
 * not call it themselves: they go through the sealing layer (sealed-values.ts), which knows what
 * is sealed, with which context and encoding. Two implementations: AES-256-GCM under a keyring,
 * and plain (encryption off), which stores values as they are.
 */
export interface Sealer {
  /** False when values are stored as they are. */
  readonly encrypts: boolean;
  /** Names the blind index, so a data folder indexed under another key (or none) is refused at open. */
  readonly indexId: string;
  /**
   * Seals a value for its place: `context` names the row and column it is written to (such as
   * `profiles:ID`), bound to the value as GCM associated data, so the value opens only there.
   */
  seal(text: string, context: string): string | Buffer;
  /**
   * Reads a sealed value back, for the same `context` it was sealed for (values sealed before
   * contexts, format 1, open anywhere until resealed). With encryption on, a value that is not
   * sealed is refused: only rotation's documented migration of a plain folder reads plain text.
   */
  open(stored: string | Buffer, context: string): string;
  /** What an identifier's lookup column holds: a keyed hash (HMAC-SHA256) of type and value, or the value. */
  blind(type: string, value: string): string;
  blind(type: string, value: string | null | undefined): string | null;
  /** Remembers a blind read beside its value (the log's id columns), so it is not computed again. */
  learn(type: string, value: string, blind: string): void;
}

export const plainSealer: Sealer = {
  encrypts: false,
  indexId: 'plain',
  seal: (text) => text,
  open: (stored) => (typeof stored === 'string' ? stored : stored.toString('utf8')),
  blind: ((_type: string, value: string | null | undefined) => value ?? null) as Sealer['blind'],
  learn: () => undefined,
};

/**
 * Sealed layout: version (1 byte), key id (uint16), IV (12), GCM tag (16), ciphertext. Version 2
 * authenticates, as associated data, the version, the key id and the value's context; version 1
 * (written before contexts) authenticates nothing beside the ciphertext and is still read.
 */
const VERSION = 2;
const VERSION_WITHOUT_CONTEXT = 1;
const HEADER = 1 + 2 + 12 + 16;

/** The associated data of a version 2 value: its first three bytes (version, key id) and its context. */
function associatedData(header: Buffer, context: string): Buffer {
  const aad = Buffer.allocUnsafe(3 + Buffer.byteLength(context));
  header.copy(aad, 0, 0, 3);
  aad.write(context, 3, 'utf8');
  return aad;
}

/** The data key a stored value was sealed under (its header's bytes 1-2), undefined for one not sealed by Tailor. */
export function sealedUnder(stored: Uint8Array): number | undefined {
  if (stored.length < HEADER || (stored[0] !== VERSION && stored[0] !== VERSION_WITHOUT_CONTEXT))
    return undefined;
  return ((stored[1] as number) << 8) | (stored[2] as number);
}

/**
 * AES-256-GCM with a fresh random IV per value (at most 2^32 values per key keeps IV collisions
 * negligible; rotate well before that). Blind indexes are HMAC-SHA256 under the keyring's index key,
 * truncated to 128 bits; recent ones are remembered, since the same identifiers recur on every event.
 */
export function createAesSealer(keyring: Keyring): Sealer {
  const current = keyring.keys.get(keyring.current);
  if (current === undefined)
    throw new Error(`the keyring's current key ${keyring.current} is missing`);
  const recent = new Map<string, RecentBlinds>();
  const recentOf = (type: string): RecentBlinds => {
    let ofType = recent.get(type);
    if (ofType === undefined) recent.set(type, (ofType = new RecentBlinds()));
    return ofType;
  };
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
    return recentOf(type).get(value, () =>
      createHmac('sha256', keyring.index)
        .update(`${type}\u0000${value}`)
        .digest()
        .subarray(0, 16)
        .toString('base64url'),
    );
  };

  return {
    encrypts: true,
    indexId: `hmac-sha256:${fingerprint(keyring.index)}`,
    seal(text, context) {
      const header = Buffer.allocUnsafe(HEADER);
      header[0] = VERSION;
      header.writeUInt16BE(keyring.current, 1);
      iv().copy(header, 3);
      const cipher = createCipheriv('aes-256-gcm', current, header.subarray(3, 15));
      cipher.setAAD(associatedData(header, context));
      const body = cipher.update(text, 'utf8');
      cipher.final(); // nothing more for GCM; computes the tag
      cipher.getAuthTag().copy(header, 15);
      return Buffer.concat([header, body], HEADER + body.length);
    },
    open(stored, context) {
      const id = typeof stored === 'string' ? undefined : sealedUnder(stored);
      if (typeof stored === 'string' || id === undefined) {
        throw new Error(
          `a stored value (${context.split(':')[0] ?? ''}) is not sealed by Tailor, though encryption is on`,
        );
      }
      const key = keyring.keys.get(id);
      if (key === undefined)
        throw new Error(`a stored value was sealed under key ${id}, which is not in the keyring`);
      const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(3, 15));
      if (stored[0] === VERSION) decipher.setAAD(associatedData(stored, context));
      decipher.setAuthTag(stored.subarray(15, HEADER));
      const body = decipher.update(stored.subarray(HEADER));
      try {
        decipher.final();
      } catch {
        throw new Error(
          `a stored value (${context.split(':')[0] ?? ''}) failed to open: altered, or copied from another row`,
        );
      }
      return body.toString('utf8');
    },
    blind: blind as Sealer['blind'],
    learn(type, value, hashed) {
      recentOf(type).get(value, () => hashed);
    },
  };
}

/**
 * Recent keyed hashes (an identifier type's blinds, the suppression hashes) in two generations: a
 * full young one becomes the old one (what is still in use moves back to the young one), so the
 * ids in use stay cached without a per-hit LRU update.
 */
export class RecentBlinds {
  private young = new Map<string, string>();
  private old = new Map<string, string>();

  constructor(private readonly generation = 100_000) {}

  get(value: string, compute: () => string): string {
    let hashed = this.young.get(value);
    if (hashed !== undefined) return hashed;
    hashed = this.old.get(value) ?? compute();
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(value, hashed);
    return hashed;
  }
}

/** A short public name for a key (an HMAC of a constant under it), to tell keys apart without showing them. */
export function fingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('tailor key fingerprint').digest('hex').slice(0, 16);
}
