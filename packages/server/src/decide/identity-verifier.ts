import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HASH = /^[0-9a-fA-F]{64}$/;

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
    if (existsSync(file)) return new IdentityVerifier(readFileSync(file, 'utf8').trim());
    const secret = randomBytes(32).toString('hex');
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      return new IdentityVerifier(secret);
    } catch {
      return new IdentityVerifier(readFileSync(file, 'utf8').trim()); // another thread made it first
    }
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
