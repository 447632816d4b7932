import { describe, expect, it } from 'vitest';
import { normalizeCountry } from './normalize-country.js';
import { normalizeEmail } from './normalize-email.js';
import { normalizePhone } from './normalize-phone.js';
import { formatTimestamp, parseTimestamp } from './normalize-timestamp.js';

describe('parseTimestamp', () => {
  it.each([
    ['2024-03-07T10:00:00Z', '2024-03-07T10:00:00.000Z'],
    ['2024-03-07T10:00:00.123Z', '2024-03-07T10:00:00.123Z'],
    ['2024-03-07T10:00:00.123456789Z', '2024-03-07T10:00:00.123Z'],
    ['2024-03-07T12:00:00+02:00', '2024-03-07T10:00:00.000Z'],
    ['2024-03-07T12:00:00+0200', '2024-03-07T10:00:00.000Z'],
    ['2024-03-07T05:30:00-04:30', '2024-03-07T10:00:00.000Z'],
    ['2024-03-07 10:00:00', '2024-03-07T10:00:00.000Z'],
    ['2024-03-07T10:00', '2024-03-07T10:00:00.000Z'],
    ['2024-03-07', '2024-03-07T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2024-01-01T00:30:00+01:00', '2023-12-31T23:30:00.000Z'],
    // Years below 100 are not read as 19xx (Date.UTC would), and the whole 0001-9999 range is exact.
    ['0001-01-01', '0001-01-01T00:00:00.000Z'],
    ['0099-12-31T23:59:59Z', '0099-12-31T23:59:59.000Z'],
    ['1899-07-01T12:00:00+01:00', '1899-07-01T11:00:00.000Z'],
    ['0004-02-29', '0004-02-29T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    // The basic format (no separators), as database exports write it.
    ['20240307', '2024-03-07T00:00:00.000Z'],
    ['20240307T1000Z', '2024-03-07T10:00:00.000Z'],
    ['20240307T120000+0200', '2024-03-07T10:00:00.000Z'],
    ['20240307t100000,5', '2024-03-07T10:00:00.500Z'],
    ['20240307T053000-0430', '2024-03-07T10:00:00.000Z'],
  ])('%s is %s', (input, expected) => {
    const parsed = parseTimestamp(input);
    expect(parsed.ok && formatTimestamp(parsed.value)).toBe(expected);
  });

  it.each([
    'yesterday',
    '1700000000',
    '2024-13-01',
    '2023-02-29',
    '2024-03-07T25:00:00Z',
    '07/03/2024',
    '',
    '0003-02-29',
    '20230229',
    '2024-0307',
    '20240307 1000',
    '20240307T10:00',
    '170000000000',
  ])('refuses %j with a reason', (input) => {
    const parsed = parseTimestamp(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/not (an ISO 8601 date-time|a valid date)/);
  });
});

describe('normalizeEmail', () => {
  it.each([
    ['  Jane.Doe@Example.COM ', 'jane.doe@example.com'],
    ['a@b.co', 'a@b.co'],
  ])('%j becomes %j', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });
});

describe('normalizePhone', () => {
  it.each([
    ['(415) 555-2671', 'US', '+14155552671'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['030 1234567', 'DE', '+49301234567'],
    ['+1 415 555 2671 ext. 5', 'US', '+14155552671'],
  ] as const)('%s in %s is %s', (input, region, expected) => {
    expect(normalizePhone(input, region)).toBe(expected);
  });

  it.each(['not a phone', '12', ''])('%j is left alone (undefined)', (input) => {
    expect(normalizePhone(input, 'US')).toBeUndefined();
  });
});

describe('normalizeCountry', () => {
  it.each([
    ['DE', 'DE'],
    ['de', 'DE'],
    ['DEU', 'DE'],
    ['276', 'DE'],
    ['Germany', 'DE'],
    ['germany', 'DE'],
    ['United States of America', 'US'],
    ['USA', 'US'],
    ['UK', 'GB'],
    ['United Kingdom', 'GB'],
    [' France ', 'FR'],
    ['Ivory Coast', 'CI'],
  ])('%j is %s', (input, expected) => {
    expect(normalizeCountry(input)).toBe(expected);
  });

  it.each(['Atlantis', 'XX', ''])('%j is not recognized', (input) => {
    expect(normalizeCountry(input)).toBeUndefined();
  });
});
