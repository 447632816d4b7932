export * from './consent.schema.js';
export { anonymize, applyConsent, consentRecord, consentIn, consentValues, mergeConsent, refusesAnalytics, MAX_CONSENT_HISTORY } from './apply-consent.js';
