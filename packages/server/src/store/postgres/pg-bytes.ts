/** A sealed value as stored in bytea (the plain sealer gives text). */
export function bytes(sealed: string | Buffer): Buffer {
  return typeof sealed === 'string' ? Buffer.from(sealed, 'utf8') : sealed;
}
