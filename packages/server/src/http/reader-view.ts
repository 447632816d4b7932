import {
  maskIdentifier,
  maskLeaf,
  maskMergeRecord,
  maskMessage,
  maskProfile,
  type IdentifierRef,
  type MergeRecord,
  type PiiPolicy,
  type Profile,
  type StoredMessage,
} from '@tailor/core';
import type { Principal } from '../keys/key-registry.js';

/**
 * Whether a reader of the API sees personal data in full: admin keys do; viewer and marketer keys
 * (the dashboard's everyday users) see it masked (docs/pii-masking.md).
 */
export function seesPersonalData(principal: Principal | undefined): boolean {
  return principal?.role === 'admin';
}

/** How a reader is shown what holds personal data. */
export interface ReaderView {
  message: (message: StoredMessage) => StoredMessage;
  profile: (profile: Profile) => Profile;
  identifier: (identifier: IdentifierRef) => IdentifierRef;
  merge: (record: MergeRecord) => MergeRecord;
}

const AS_STORED: ReaderView = {
  message: (m) => m,
  profile: (p) => p,
  identifier: (i) => i,
  merge: (r) => r,
};

/** As stored for an admin key; with personal fields masked (`[masked]`) for any other. */
export function readerView(principal: Principal | undefined, policy: PiiPolicy): ReaderView {
  if (seesPersonalData(principal)) return AS_STORED;
  return {
    message: (m) => maskMessage(m, policy, maskLeaf),
    profile: (p) => maskProfile(p, policy, maskLeaf),
    identifier: (i) => maskIdentifier(i, maskLeaf),
    merge: (r) => maskMergeRecord(r, maskLeaf),
  };
}
