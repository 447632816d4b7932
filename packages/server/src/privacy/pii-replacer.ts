import { createHash } from 'node:crypto';
import { hashLeaf, maskLeaf, type PiiMode, type ReplaceLeaf } from '@tailor/core';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const hashSha256 = hashLeaf(sha256);

/** What personal values become for a reader in that mode; undefined for `include` (left as they are). */
export function piiReplacer(mode: PiiMode): ReplaceLeaf | undefined {
  switch (mode) {
    case 'mask':
      return maskLeaf;
    case 'hash':
      return hashSha256;
    case 'include':
      return undefined;
  }
}
