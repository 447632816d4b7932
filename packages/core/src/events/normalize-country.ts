import countries from 'i18n-iso-countries';
import english from 'i18n-iso-countries/langs/en.json' with { type: 'json' };

countries.registerLocale(english);

/**
 * ISO 3166-1 alpha-2 for a country code (alpha-2, alpha-3, numeric) or an English name
 * ("Germany", "United States of America", "UK"). Undefined when not recognizable.
 */
export function normalizeCountry(value: string): string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  if (/^[A-Za-z]{2}$/.test(text) && countries.isValid(text.toUpperCase()))
    return text.toUpperCase();
  if (/^([A-Za-z]{3}|\d{3})$/.test(text) && countries.isValid(text.toUpperCase())) {
    return countries.toAlpha2(text.toUpperCase());
  }
  return countries.getAlpha2Code(text, 'en');
}
