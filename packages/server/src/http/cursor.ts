import { TailorError } from '@tailor/core';

/** Cursors are opaque to clients: a log position, base64url-encoded. */
export function encodeCursor(position: number): string {
  return Buffer.from(`p${position}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const position = /^p(\d{1,15})$/.exec(text)?.[1];
  if (position === undefined)
    throw new TailorError('invalid_request', 'cursor is not one this server gave');
  return Number(position);
}
