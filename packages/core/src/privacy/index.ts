export * from './consent.schema.js';
export { anonymize, applyConsent, consentRecord, consentIn, consentValues, mergeConsent, ownConsent, refusesAnalytics, MAX_CONSENT_HISTORY } from './apply-consent.js';
