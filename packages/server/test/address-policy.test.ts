import { describe, expect, it } from 'vitest';
import {
  isPublicAddress,
  mayConnect,
  NO_INTERNAL,
  parseAllowlist,
  urlRefusal,
} from '../src/destinations/address-policy.js';

// [address, public?]
const ADDRESSES: [string, boolean][] = [
  ['127.0.0.1', false],
  ['127.255.0.9', false],
  ['10.0.0.1', false],
  ['172.16.4.4', false],
  ['192.168.1.1', false],
  ['100.64.0.1', false],
  ['169.254.169.254', false],
  ['0.0.0.0', false],
  ['255.255.255.255', false],
  ['224.0.0.1', false],
  ['240.0.0.1', false],
  ['192.0.2.10', false],
  ['::1', false],
  ['::', false],
  ['fd00::1', false],
  ['fc00::1', false],
  ['fe80::1', false],
  ['ff02::1', false],
  ['::ffff:127.0.0.1', false],
  ['::ffff:7f00:1', false],
  ['::ffff:a9fe:a9fe', false],
  ['::127.0.0.1', false],
  ['64:ff9b::a00:1', false],
  ['2002:7f00:1::', false],
  ['93.184.215.14', true],
  ['8.8.8.8', true],
  ['::ffff:8.8.8.8', true],
  ['64:ff9b::808:808', true],
  ['2606:4700:4700::1111', true],
  ['not-an-address', false],
];

describe('which addresses webhooks may reach', () => {
  it.each(ADDRESSES)('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('lets the operator allow ranges, addresses and host names, and nothing more', () => {
    const allow = parseAllowlist([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1/128',
      'Hooks.Internal',
      '::ffff:192.168.0.0/112',
    ]);
    expect(mayConnect('10.2.3.4', '10.2.3.4', allow)).toBe(true);
    expect(mayConnect('::ffff:10.2.3.4', 'x', allow)).toBe(true);
    expect(mayConnect('127.0.0.1', 'localhost', allow)).toBe(true);
    expect(mayConnect('127.0.0.2', 'localhost', allow)).toBe(false);
    expect(mayConnect('::1', '::1', allow)).toBe(true);
    expect(mayConnect('192.168.7.7', '192.168.7.7', allow)).toBe(true);
    expect(mayConnect('192.169.7.7', 'x', allow)).toBe(true); // public
    expect(mayConnect('172.16.0.1', 'hooks.internal.', allow)).toBe(true); // a named host, whatever it resolves to
    expect(mayConnect('172.16.0.1', 'other.internal', allow)).toBe(false);
    expect(mayConnect('169.254.169.254', '169.254.169.254', NO_INTERNAL)).toBe(false);
    expect(() => parseAllowlist(['10.0.0.0/99'])).toThrow(/allowInternal: 10.0.0.0\/99/);
    expect(() => parseAllowlist(['http://x/'])).toThrow(/allowInternal/);
  });

  it.each([
    ['http://127.0.0.1:8080/x', 'private address'],
    ['http://2130706433/', 'private address'],
    ['http://0x7f.1/', 'private address'],
    ['http://017700000001/', 'private address'],
    ['http://127.1/', 'private address'],
    ['http://[::1]/', 'private address'],
    ['http://[::ffff:127.0.0.1]/', 'private address'],
    ['http://0/', 'private address'],
    ['http://localhost:3000/', 'localhost'],
    ['http://api.localhost/', 'localhost'],
    ['http://LOCALHOST./', 'localhost'],
    ['ftp://example.com/', 'http or https'],
    ['not a url', 'not a valid URL'],
  ])('refuses %s at definition', (url, reason) => {
    expect(urlRefusal(url, NO_INTERNAL)).toContain(reason);
  });

  it('accepts public and allowed URLs at definition (names are checked again at connect time)', () => {
    expect(urlRefusal('https://hooks.example.com/tailor', NO_INTERNAL)).toBeUndefined();
    expect(urlRefusal('http://93.184.215.14/', NO_INTERNAL)).toBeUndefined();
    expect(urlRefusal('http://hooks.internal/', NO_INTERNAL)).toBeUndefined();
    expect(urlRefusal('http://127.0.0.1:9/', parseAllowlist(['127.0.0.1/32']))).toBeUndefined();
    expect(urlRefusal('http://localhost:9/', parseAllowlist(['localhost']))).toBeUndefined();
  });
});
