import type { MatchRecord } from './matching.schema.js';

/** What the matcher learns about a column before choosing how to use it. */
export interface ColumnProfile {
  name: string;
  missing: number;
  /** Distinct values / present values. */
  distinct: number;
  distinctCount: number;
  numeric: number;
  dateLike: number;
  meanLength: number;
  /** Share of the present values that are one of the 30 most common values. */
  top30: number;
  kind:
    'name' | 'date' | 'identifier' | 'code' | 'category' | 'text' | 'number' | 'email' | 'phone';
}

const NAME_WORDS =
  /(^|[_\s.-])(first|given|last|sur|family|middle|full)?_?name|surname|forename|city|suburb|town|street|address|locality/i;
const DATE_WORDS = /dob|birth|date|_at$|day/i;
const ID_WORDS =
  /ssn|soc_?sec|passport|licen[cs]e|national|tax|account|member|loyalty|customer|crm|(^|[_\s.-])id$/i;
const PHONE_WORDS = /phone|mobile|cell|(^|[_\s.-])tel|fax/i;
/** E.164 (+14155550100) or grouped national numbers ((415) 555-0100, 0412 345 678). */
const PHONE_VALUE = /^(\+\d{7,15}|\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]?\d{3,4})$/;
const QUANTITY_WORDS =
  /(^|[_\s.-])(age|amount|income|salary|price|total|weight|height|score|count|spend)s?($|[_\s.-])/i;

/** Whether a column's name speaks of a quantity (age, totalSpend, order_amount), where near values are close. */
export function namesQuantity(name: string): boolean {
  return QUANTITY_WORDS.test(name.replace(/([a-z])([A-Z])/g, '$1_$2'));
}

/** Each column's statistics and kind, from its name and its values. */
export function profileColumns(records: readonly MatchRecord[]): ColumnProfile[] {
  const names = new Set<string>();
  for (const r of records) for (const k of Object.keys(r.fields)) names.add(k);
  return [...names].map((name) => {
    const values: string[] = [];
    for (const r of records) {
      const v = r.fields[name]?.trim();
      if (v !== undefined && v !== '') values.push(v.toLowerCase());
    }
    const present = Math.max(1, values.length);
    const frequency = new Map<string, number>();
    for (const v of values) frequency.set(v, (frequency.get(v) ?? 0) + 1);
    const distinctCount = frequency.size;
    const top30 =
      [...frequency.values()]
        .sort((a, b) => b - a)
        .slice(0, 30)
        .reduce((a, b) => a + b, 0) / present;
    const numeric = values.filter((v) => /^-?\d+(\.\d+)?$/.test(v)).length / present;
    const dateLike = values.filter(looksLikeDate).length / present;
    const meanLength = values.reduce((a, v) => a + v.length, 0) / present;
    const profile = {
      name,
      missing: 1 - values.length / Math.max(1, records.length),
      distinct: distinctCount / present,
      distinctCount,
      numeric,
      dateLike,
      meanLength,
      top30,
    };
    return { ...profile, kind: kindOf(profile, values) };
  });
}

function looksLikeDate(v: string): boolean {
  const digits = /^\d{8}$/.test(v)
    ? v
    : /^\d{4}-\d{2}-\d{2}/.test(v)
      ? v.slice(0, 10).replaceAll('-', '')
      : undefined;
  if (digits === undefined) return false;
  const year = Number(digits.slice(0, 4));
  const month = Number(digits.slice(4, 6));
  return year >= 1850 && year <= 2100 && month >= 1 && month <= 12;
}

function kindOf(c: Omit<ColumnProfile, 'kind'>, values: string[]): ColumnProfile['kind'] {
  const sample = values.slice(0, 200);
  const share = (test: (v: string) => boolean) =>
    sample.filter(test).length / Math.max(1, sample.length);
  if (share((v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) > 0.6) return 'email';
  if (c.dateLike > 0.6 || (DATE_WORDS.test(c.name) && c.dateLike > 0.3)) return 'date';
  if (
    share((v) => PHONE_VALUE.test(v)) > 0.6 ||
    (PHONE_WORDS.test(c.name) && share((v) => /\d{6}/.test(v.replace(/\D/g, ''))) > 0.6)
  ) {
    return 'phone';
  }
  // A few values, or a few values and their misspellings (states, countries, genders).
  if (c.distinctCount <= 30 || (c.top30 >= 0.95 && c.meanLength <= 12)) return 'category';
  if (c.numeric > 0.8) {
    if (namesQuantity(c.name) || share((v) => v.includes('.')) > 0.3) return 'number';
    if (c.meanLength >= 6 && (c.distinct > 0.2 || ID_WORDS.test(c.name))) return 'identifier';
    if (c.meanLength >= 3) return 'code';
    return 'number';
  }
  if (ID_WORDS.test(c.name) && c.distinct > 0.5) return 'identifier';
  if (NAME_WORDS.test(c.name) || (c.numeric < 0.2 && c.meanLength <= 30)) return 'name';
  return 'text';
}
