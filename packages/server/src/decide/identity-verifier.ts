import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TailorError } from '@tailor/core';
import { writeFileDurably } from '../privacy/private-files.js';

const HASH = /^[0-9a-fA-F]{64}$/;
/** The shortest secret accepted, as for a configured one. */
const MIN_SECRET = 32;

/**
 * Identity verification for decisions asked with the public write key: the site's backend, which
 * knows who is signed in, signs the userId with the installation's secret (`userHash`, the hex
 * HMAC-SHA256 of the userId under it) and the page sends it with `decide`. A valid hash proves the
 * asker is that person, whose personal traits templates may then show; anything else proves
 * nothing. The secret is configured (`decide.identitySecret`, TAILOR_IDENTITY_SECRET) or made in
 * the data folder (`identity.key`); `GET /v1/identity-verification/secret` (admin) shows it.
 */
export class IdentityVerifier {
  private readonly key: Buffer;

  constructor(readonly secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  /** The configured secret, else the data folder's (made on first use, readable by the owner only). */
  static open(dataDir: string, configured: string | undefined): IdentityVerifier {
    if (configured !== undefined && configured.length > 0) return new IdentityVerifier(configured);
    const file = join(dataDir, 'identity.key');
    // Written aside, fsynced and linked, so a crash never leaves an empty secret (an empty one
    // would let anyone holding the write key make valid hashes); an existing file is read.
    if (!existsSync(file))
      writeFileDurably(file, randomBytes(32).toString('hex'), { replace: false });
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length < MIN_SECRET)
      throw new TailorError(
        'invalid_request',
        `${file} holds ${String(secret.length)} characters, at least ${String(MIN_SECRET)} are needed: remove it to make a new one (userHash values signed with the old secret stop verifying) or set decide.identitySecret`,
      );
    return new IdentityVerifier(secret);
  }

  /** The hash a backend sends for a userId. */
  sign(userId: string): string {
    return createHmac('sha256', this.key).update(userId, 'utf8').digest('hex');
  }

  /** Whether `userHash` is the userId's hash, compared in constant time; false for anything malformed. */
  verifies(userId: string | undefined, userHash: string | undefined): boolean {
    if (userId === undefined || userHash === undefined || !HASH.test(userHash)) return false;
    const expected = createHmac('sha256', this.key).update(userId, 'utf8').digest();
    return timingSafeEqual(expected, Buffer.from(userHash, 'hex'));
  }
}
