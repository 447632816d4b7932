import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdentityVerifier } from '../src/decide/identity-verifier.js';

describe('the identity verification secret in the data folder', () => {
  it('is made once, 0600, and kept; an empty or short one is refused instead of signing with it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-identity-'));
    const made = IdentityVerifier.open(dir, undefined);
    const file = join(dir, 'identity.key');
    expect(made.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file, 'utf8')).toBe(made.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(IdentityVerifier.open(dir, undefined).secret).toBe(made.secret);
    // A file left empty (a crash before it reached the disk): anyone could sign with "".
    writeFileSync(file, '');
    expect(() => IdentityVerifier.open(dir, undefined)).toThrow(
      /identity\.key holds 0 characters, at least 32 are needed/,
    );
    writeFileSync(file, 'short');
    expect(() => IdentityVerifier.open(dir, undefined)).toThrow(/holds 5 characters/);
  });
});
