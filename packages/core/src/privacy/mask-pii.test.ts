import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../events/events.schema.js';
import type { Profile } from '../profiles/profiles.schema.js';
import {
  hashLeaf,
  MASKED,
  maskComputed,
  maskLeaf,
  maskMergeRecord,
  maskMessage,
  maskProfile,
} from './mask-pii.js';
import { markedPaths, piiMarks } from './pii-marks.js';
import { DEFAULT_PII_POLICY, piiPolicy, withPersonalComputed } from './pii-policy.js';
import type { ComputedNode } from '../segments/segments.schema.js';
import { scrubPersonalData } from './scrub-personal-data.js';

const M = MASKED;

function message(fields: Partial<StoredMessage>): StoredMessage {
  return {
    type: 'track',
    messageId: 'm1',
    userId: 'u1',
    anonymousId: 'a1',
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.000Z',
    context: {},
    tailor: { source: 'key:test' },
    ...fields,
  };
}

const plans = piiPolicy(
  [
    {
      target: 'event:Order Completed',
      schema: {
        type: 'object',
        properties: {
          note: { type: 'string', pii: true },
          shipping: {
            type: 'object',
            properties: { recipient: { type: 'string', pii: true }, method: { type: 'string' } },
          },
          gifts: {
            type: 'array',
            items: { type: 'object', properties: { message: { pii: true } } },
          },
        },
      },
    },
    {
      target: 'traits',
      schema: { allOf: [{ properties: { nickname: { type: 'string', pii: true } } }] },
    },
  ],
  [
    { type: 'userId', limit: 1 },
    { type: 'email', limit: 5, paths: ['properties.contact'] },
    { type: 'anonymousId', limit: 10 },
  ],
);

// [case, message, policy, expected fields of the masked message]
const cases: [string, Partial<StoredMessage>, typeof DEFAULT_PII_POLICY, Partial<StoredMessage>][] =
  [
    [
      'identify: Segment’s personal traits, any spelling; others and ids stay',
      {
        type: 'identify',
        traits: {
          email: 'ann@example.com',
          Phone: '+33612345678',
          name: 'Ann Lee',
          first_name: 'Ann',
          LastName: 'Lee',
          username: 'ann',
          birthday: '1990-01-01',
          plan: 'pro',
          age: 36,
        },
      },
      DEFAULT_PII_POLICY,
      {
        userId: 'u1',
        anonymousId: 'a1',
        traits: {
          email: M,
          Phone: M,
          name: M,
          first_name: M,
          LastName: M,
          username: M,
          birthday: M,
          plan: 'pro',
          age: 36,
        },
      },
    ],
    [
      'an address is masked whole, its shape kept; null and empty values stay',
      {
        type: 'identify',
        traits: {
          address: { street: '1 Main St', city: 'Paris', postalCode: 75001, country: 'FR' },
          email: null,
          phone: '',
        },
      },
      DEFAULT_PII_POLICY,
      {
        traits: {
          address: { street: M, city: M, postalCode: M, country: M },
          email: null,
          phone: '',
        },
      },
    ],
    [
      'properties: contact fields at any depth and in arrays; `name` is a product’s',
      {
        properties: {
          name: 'Shoe',
          email: 'ann@example.com',
          customer: { firstName: 'Ann', tier: 'gold' },
          people: [{ phone: '+33612345678' }, 'x'],
        },
      },
      DEFAULT_PII_POLICY,
      {
        properties: {
          name: 'Shoe',
          email: M,
          customer: { firstName: M, tier: 'gold' },
          people: [{ phone: M }, 'x'],
        },
      },
    ],
    [
      'a group’s name is the company’s',
      { type: 'group', groupId: 'g1', traits: { name: 'Acme', email: 'billing@acme.test' } },
      DEFAULT_PII_POLICY,
      { groupId: 'g1', traits: { name: 'Acme', email: M } },
    ],
    [
      'context: ip, precise location, advertising id and context.traits',
      {
        context: {
          ip: '203.0.113.9',
          location: { latitude: 48.85, longitude: 2.35, city: 'Paris' },
          device: { advertisingId: 'ad-1', type: 'ios' },
          traits: { email: 'ann@example.com', name: 'Ann', plan: 'pro' },
          userAgent: 'UA',
        },
      },
      DEFAULT_PII_POLICY,
      {
        context: {
          ip: M,
          location: { latitude: M, longitude: M, city: 'Paris' },
          device: { advertisingId: M, type: 'ios' },
          traits: { email: M, name: M, plan: 'pro' },
          userAgent: 'UA',
        },
      },
    ],
    [
      'an event’s plan marks free-text and nested fields, through arrays',
      {
        event: 'Order Completed',
        properties: {
          note: 'call Ann',
          shipping: { recipient: 'Ann Lee', method: 'post' },
          gifts: [{ message: 'hi', sku: 's' }],
          revenue: 3,
        },
      },
      plans,
      {
        properties: {
          note: M,
          shipping: { recipient: M, method: 'post' },
          gifts: [{ message: M, sku: 's' }],
          revenue: 3,
        },
      },
    ],
    [
      'another event is not touched by that plan',
      { event: 'Product Viewed', properties: { note: 'n' } },
      plans,
      { properties: { note: 'n' } },
    ],
    [
      'the traits plan marks identify traits and context.traits',
      {
        type: 'identify',
        traits: { nickname: 'annie' },
        context: { traits: { nickname: 'annie' } },
      },
      plans,
      { traits: { nickname: M }, context: { traits: { nickname: M } } },
    ],
    [
      'identity rules’ paths for emails are personal',
      { properties: { contact: 'ann@example.com' } },
      plans,
      { properties: { contact: M } },
    ],
    [
      'the original of a masked value is masked; other originals stay',
      {
        type: 'identify',
        traits: { email: 'ann@example.com', country: 'FR' },
        tailor: {
          source: 'key:test',
          originals: { 'traits.email': ' Ann@Example.com', 'traits.country': 'France' },
        },
      },
      DEFAULT_PII_POLICY,
      {
        traits: { email: M, country: 'FR' },
        tailor: {
          source: 'key:test',
          originals: { 'traits.email': M, 'traits.country': 'France' },
        },
      },
    ],
  ];

describe('maskMessage', () => {
  it.each(cases)('%s', (_name, fields, policy, expected) => {
    const original = message(fields);
    const before = structuredClone(original);
    const masked = maskMessage(original, policy, maskLeaf);
    expect(masked).toEqual({ ...original, ...expected });
    expect(original).toEqual(before); // a copy: the stored message is untouched
  });

  it('shares what it does not change', () => {
    const original = message({ properties: { sku: 's' }, context: { page: { url: '/x' } } });
    const masked = maskMessage(original, DEFAULT_PII_POLICY, maskLeaf);
    expect(masked.properties).toBe(original.properties);
    expect(masked.context).toBe(original.context);
  });

  it('hashes the trimmed, lower-cased value of each leaf with the digest given', () => {
    const digest = (text: string) => `sha(${text})`;
    const masked = maskMessage(
      message({
        type: 'identify',
        traits: { email: 'ann@example.com', phone: '+33612345678', name: ' Ann LEE ', age: 36 },
      }),
      DEFAULT_PII_POLICY,
      hashLeaf(digest),
    );
    expect(masked.traits).toEqual({
      email: 'sha(ann@example.com)',
      phone: 'sha(+33612345678)',
      name: 'sha(ann lee)',
      age: 36,
    });
  });
});

describe('maskProfile and maskMergeRecord', () => {
  const profile: Profile = {
    id: 'p1',
    identifiers: [
      { type: 'userId', value: 'u1' },
      { type: 'email', value: 'ann@example.com' },
      { type: 'phone', value: '+33612345678' },
      { type: 'anonymousId', value: 'a1' },
    ],
    traits: { email: 'ann@example.com', name: 'Ann', plan: 'pro', nickname: 'annie' },
    computed: { orders: 3 },
    segments: ['buyers'],
    consent: { marketing: true },
    groups: [],
    createdAt: 't',
    updatedAt: 't',
    mergedIds: [],
  };

  it('masks personal traits and identifiers; ids, counting computed traits and segments stay', () => {
    expect(maskProfile(profile, plans, maskLeaf)).toEqual({
      ...profile,
      identifiers: [
        { type: 'userId', value: 'u1' },
        { type: 'email', value: M },
        { type: 'phone', value: M },
        { type: 'anonymousId', value: 'a1' },
      ],
      traits: { email: M, name: M, plan: 'pro', nickname: M },
    });
  });

  it("masks a score explanation's personal trait values, the level in the feature's name too", () => {
    const scores = {
      buy: {
        score: 0.7,
        version: 2,
        scoredAt: 't',
        baseline: -1,
        contributions: [
          { feature: 'trait:nickname=annie', value: 'annie', contribution: 0.9 },
          { feature: 'trait:plan=pro', value: 'pro', contribution: 0.5 },
          { feature: 'count_30d:Page Viewed', value: 4, contribution: 0.3 },
        ],
        rest: 0.1,
      },
    };
    const masked = maskProfile({ ...profile, scores }, plans, maskLeaf).scores?.['buy'];
    expect(masked?.contributions).toEqual([
      { feature: 'trait:nickname', value: M, contribution: 0.9 },
      { feature: 'trait:plan=pro', value: 'pro', contribution: 0.5 },
      { feature: 'count_30d:Page Viewed', value: 4, contribution: 0.3 },
    ]);
    expect(masked?.score).toBe(0.7);
  });

  it('masks the computed traits that carry personal values, by name or by the event plan', () => {
    const last = (event: string, property: string[]): ComputedNode => ({
      type: 'aggregate',
      fn: 'last',
      pattern: { event },
      property,
    });
    const policy = withPersonalComputed(plans, [
      { name: 'lastEmail', node: last('Signed Up', ['email']) },
      { name: 'lastNote', node: last('Order Completed', ['note']) },
      { name: 'recipient', node: last('Order Completed', ['shipping', 'recipient']) },
      { name: 'city', node: last('Order Completed', ['address', 'city']) },
      { name: 'method', node: last('Order Completed', ['shipping', 'method']) },
      { name: 'otherNote', node: last('Page Viewed', ['note']) },
      { name: 'emails', node: { type: 'aggregate', fn: 'count', pattern: { event: 'x' } } },
      { name: 'gone', node: undefined },
    ]);
    expect([...(policy.computed ?? [])].sort()).toEqual([
      'city',
      'lastEmail',
      'lastNote',
      'recipient',
    ]);
    const computed = { lastEmail: 'ann@example.com', lastNote: 'door 4B', method: 'post', n: 3 };
    expect(maskComputed(computed, policy, maskLeaf)).toEqual({
      lastEmail: M,
      lastNote: M,
      method: 'post',
      n: 3,
    });
    expect(maskProfile({ ...profile, computed }, policy, maskLeaf).computed).toEqual({
      lastEmail: M,
      lastNote: M,
      method: 'post',
      n: 3,
    });
    expect(maskComputed(computed, plans, maskLeaf)).toBe(computed);
  });

  it.each([
    ['identifier email:ann@example.com', `identifier email:${M}`],
    ['identifier userId:u1', 'identifier userId:u1'],
    ['alias', 'alias'],
    ['match 12.5', 'match 12.5'],
  ])('merge reason %j shows as %j', (reason, expected) => {
    expect(
      maskMergeRecord({ into: 'p1', from: 'p2', messageId: 'm', at: 't', reason }, maskLeaf).reason,
    ).toBe(expected);
  });
});

describe('piiMarks', () => {
  it.each([
    ['no marks', { type: 'object', properties: { a: { type: 'string' } } }, []],
    [
      'top-level and nested',
      { properties: { a: { pii: true }, b: { properties: { c: { pii: true }, d: {} } } } },
      ['a', 'b.c'],
    ],
    [
      'a marked object covers its fields',
      { properties: { a: { pii: true, properties: { b: { pii: true } } } } },
      ['a'],
    ],
    [
      'array items are transparent',
      { properties: { list: { type: 'array', items: { properties: { x: { pii: true } } } } } },
      ['list.x'],
    ],
    [
      'branches are joined',
      { anyOf: [{ properties: { a: { pii: true } } }, { properties: { b: { pii: true } } }] },
      ['a', 'b'],
    ],
    ['only `true` marks', { properties: { a: { pii: 'yes' }, b: { pii: false } } }, []],
    [
      'odd names are plain fields',
      JSON.parse(
        '{"properties": {"__proto__": {"pii": true}, "constructor": {"pii": true}}}',
      ) as object,
      ['__proto__', 'constructor'],
    ],
  ])('%s', (_name, schema, expected) => {
    expect(markedPaths(piiMarks(schema))).toEqual(expected);
  });

  it('a field named like an inherited property is not mistaken for a mark', () => {
    const masked = maskMessage(
      message({ event: 'E', properties: { constructor: 'x', toString: 'y' } }),
      plans,
      maskLeaf,
    );
    expect(masked.properties).toEqual({ constructor: 'x', toString: 'y' });
  });
});

describe('scrubPersonalData', () => {
  it.each([
    ['failed for ann.lee+x@Example.co.uk today', 'failed for [email] today'],
    ['phone +33 6 12 34 56 78 refused', 'phone [phone] refused'],
    [
      'GET /v1/profiles?identifier=email:ann%40example.com failed',
      'GET /v1/profiles?[query] failed',
    ],
    ['at foo (/app/dist/x.js:10:5)', 'at foo (/app/dist/x.js:10:5)'],
    ['append failed: [{"name":"Ann","n":{"a":1}}] (disk full)', 'append failed: [{…}] (disk full)'],
    ['2026-01-01T00:00:00.000Z position 1234567', '2026-01-01T00:00:00.000Z position 1234567'],
  ])('%j becomes %j', (text, expected) => {
    expect(scrubPersonalData(text)).toBe(expected);
  });
});
