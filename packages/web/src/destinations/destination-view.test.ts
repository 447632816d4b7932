import { describe, expect, it } from 'vitest';
import { healthText, whereText } from './destination-view.js';

describe('whereText', () => {
  it.each([
    [{ url: 'https://hooks.example.com/tailor?token=abc' }, 'https://hooks.example.com/tailor'],
    [
      { url: 'postgres://loader@db.example.com:5432/warehouse', schema: 'tailor' },
      'postgres://db.example.com:5432/warehouse (schema tailor)',
    ],
    [{ url: 'https://example.com/' }, 'https://example.com'],
    [{ url: 'not a url' }, 'not a url'],
  ])('shows %j as %s', (destination, text) => {
    expect(whereText(destination)).toBe(text);
  });
});

describe('healthText', () => {
  it.each([
    [{ pending: 0, delivered: 0, failed: 0 }, '0 delivered'],
    [{ pending: 2, delivered: 1200, failed: 3 }, '3 failed, 2 waiting, 1,200 delivered'],
  ])('says %j as %s', (deliveries, text) => {
    expect(healthText({ deliveries })).toBe(text);
  });
});
