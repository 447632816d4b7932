export * from './consent.schema.js';
export * from './pii.schema.js';
export {
  anonymize,
  applyConsent,
  consentRecord,
  consentIn,
  consentValues,
  mergeConsent,
  ownConsent,
  refusesAnalytics,
  MAX_CONSENT_HISTORY,
} from './apply-consent.js';
export {
  PII_FIELDS,
  PII_TRAITS,
  PII_CONTEXT_PATHS,
  fieldKey,
  isPiiField,
  isPiiTrait,
  isPiiIdentifierType,
} from './pii-fields.js';
export { piiMarks, markedPaths, type PiiMarks } from './pii-marks.js';
export { piiPolicy, DEFAULT_PII_POLICY, type PiiPolicy } from './pii-policy.js';
export {
  maskMessage,
  maskTraits,
  maskProfile,
  maskIdentifier,
  maskMergeRecord,
  maskLeaf,
  hashLeaf,
  MASKED,
  type PiiLeaf,
  type ReplaceLeaf,
} from './mask-pii.js';
export { scrubPersonalData } from './scrub-personal-data.js';
