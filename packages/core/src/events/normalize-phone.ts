import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export type { CountryCode };

/**
 * A phone number in E.164 (+14155552671), reading national numbers in `defaultRegion`.
 * Returns undefined when the text cannot be a phone number, so the caller keeps it as it came.
 */
export function normalizePhone(value: string, defaultRegion: CountryCode): string | undefined {
  const parsed = parsePhoneNumberFromString(value, defaultRegion);
  if (!parsed?.isPossible()) return undefined;
  return parsed.number;
}
