import { describe, expect, it } from 'vitest';
import { acceptMessage, type AcceptOptions } from './accept-message.js';
import { compileTrackingPlan, type CompiledPlan } from './check-tracking-plan.js';

const RECEIVED = Date.parse('2026-11-24T12:00:00.000Z');
let ids = 0;
function options(overrides: Partial<AcceptOptions> = {}): AcceptOptions {
  return {
    plans: new Map(),
    receivedAt: RECEIVED,
    source: 'key:web',
    defaultRegion: 'US',
    newMessageId: () => `generated-${++ids}`,
    ...overrides,
  };
}

function refusal(raw: unknown, opts: Partial<AcceptOptions> = {}): string {
  const result = acceptMessage(raw, options(opts));
  if (result.ok) throw new Error('expected a refusal');
  return result.error.reason;
}

describe('acceptMessage: validation per type', () => {
  it.each([
    ['not an object', 'hello', /must be a JSON object/],
    ['an array', [], /must be a JSON object/],
    ['unknown type', { type: 'click', userId: 'u' }, /type must be one of/],
    ['track without event', { type: 'track', userId: 'u' }, /event/],
    ['track with empty event', { type: 'track', userId: 'u', event: '' }, /event/],
    ['track without any id', { type: 'track', event: 'E' }, /needs a userId or an anonymousId/],
    [
      'track with null ids',
      { type: 'track', event: 'E', userId: null, anonymousId: null },
      /needs a userId/,
    ],
    [
      'properties not an object',
      { type: 'track', userId: 'u', event: 'E', properties: [1] },
      /properties/,
    ],
    ['userId an object', { type: 'identify', userId: { a: 1 } }, /userId/],
    ['userId with a control char', { type: 'identify', userId: 'a\u0000b' }, /userId/],
    ['traits a string', { type: 'identify', userId: 'u', traits: 'x' }, /traits/],
    ['group without groupId', { type: 'group', userId: 'u' }, /groupId/],
    ['alias without previousId', { type: 'alias', userId: 'u' }, /previousId/],
    ['alias without userId', { type: 'alias', previousId: 'p', anonymousId: 'a' }, /userId/],
    ['page name a number', { type: 'page', userId: 'u', name: 5 }, /name/],
    ['context a string', { type: 'screen', userId: 'u', context: 'x' }, /context/],
    [
      'timestamp free text',
      { type: 'track', userId: 'u', event: 'E', timestamp: 'yesterday' },
      /timestamp: .*ISO 8601/,
    ],
    ['sentAt invalid', { type: 'track', userId: 'u', event: 'E', sentAt: '2024-02-30' }, /sentAt/],
    ['messageId empty', { type: 'track', userId: 'u', event: 'E', messageId: '' }, /messageId/],
  ])('refuses %s', (_name, raw, reason) => {
    expect(refusal(raw)).toMatch(reason);
  });

  it.each([
    [
      'track',
      { type: 'track', userId: 'u', event: 'Order Completed', properties: { revenue: 10 } },
    ],
    ['identify by anonymousId', { type: 'identify', anonymousId: 'a', traits: { plan: 'pro' } }],
    ['page with null name', { type: 'page', userId: 'u', name: null }],
    ['screen', { type: 'screen', anonymousId: 'a', name: 'Home' }],
    ['group', { type: 'group', userId: 'u', groupId: 'acme', traits: { employees: 20 } }],
    ['alias', { type: 'alias', previousId: 'anon-1', userId: 'u' }],
    ['numeric userId', { type: 'identify', userId: 42 }],
    [
      'extra top-level fields',
      { type: 'track', userId: 'u', event: 'E', channel: 'server', version: 2 },
    ],
  ])('accepts %s', (_name, raw) => {
    expect(acceptMessage(raw, options()).ok).toBe(true);
  });

  it('takes the type from the route when given, and refuses a body of another type', () => {
    const ok = acceptMessage({ userId: 'u', event: 'E' }, options({ type: 'track' }));
    expect(ok.ok && ok.value.message.type).toBe('track');
    expect(refusal({ type: 'identify', userId: 'u', event: 'E' }, { type: 'track' })).toMatch(
      /type/,
    );
  });
});

describe('acceptMessage: normalization', () => {
  function accept(raw: Record<string, unknown>, opts: Partial<AcceptOptions> = {}) {
    const result = acceptMessage(raw, options(opts));
    if (!result.ok) throw new Error(result.error.reason);
    return result.value.message;
  }

  it('corrects the timestamp for client clock skew and keeps the original', () => {
    // The client clock is 5 minutes behind: it sent at 11:55 by its clock, the server got it at 12:00.
    const m = accept({
      type: 'track',
      userId: 'u',
      event: 'E',
      timestamp: '2026-11-24T11:50:00+00:00',
      sentAt: '2026-11-24T11:55:00Z',
    });
    expect(m.timestamp).toBe('2026-11-24T11:55:00.000Z');
    expect(m.originalTimestamp).toBe('2026-11-24T11:50:00+00:00');
    expect(m.sentAt).toBe('2026-11-24T11:55:00.000Z');
    expect(m.receivedAt).toBe('2026-11-24T12:00:00.000Z');
  });

  it('uses receivedAt as the timestamp when none came, and keeps a timestamp as is without sentAt', () => {
    expect(accept({ type: 'track', userId: 'u', event: 'E' }).timestamp).toBe(
      '2026-11-24T12:00:00.000Z',
    );
    const m = accept({
      type: 'track',
      userId: 'u',
      event: 'E',
      timestamp: '2026-11-20T08:00:00+01:00',
    });
    expect(m.timestamp).toBe('2026-11-20T07:00:00.000Z');
  });

  it('reads the times of each message when messages in a row share some (sentAt and receivedAt are read once for them)', () => {
    const track = (sentAt: string, timestamp: string) =>
      ({ type: 'track', userId: 'u', event: 'E', timestamp, sentAt }) as const;
    const early = accept(track('2026-11-24T11:55:00Z', '2026-11-24T11:50:00Z'));
    const same = accept(track('2026-11-24T11:55:00Z', '2026-11-24T11:54:00Z'));
    expect([early.timestamp, same.timestamp]).toEqual([
      '2026-11-24T11:55:00.000Z',
      '2026-11-24T11:59:00.000Z',
    ]);
    const other = accept(track('2026-11-24T11:59:00Z', '2026-11-24T11:54:00Z'));
    expect([other.timestamp, other.sentAt]).toEqual([
      '2026-11-24T11:55:00.000Z',
      '2026-11-24T11:59:00.000Z',
    ]);
    expect(refusal(track('2026-02-30T00:00:00Z', '2026-11-24T11:54:00Z'))).toMatch(/sentAt/);
    expect(refusal(track('2026-02-30T00:00:00Z', '2026-11-24T11:54:00Z'))).toMatch(/sentAt/);
    const later = accept(track('2026-11-24T11:55:00Z', '2026-11-24T11:50:00Z'), {
      receivedAt: RECEIVED + 1000,
    });
    expect([later.timestamp, later.receivedAt]).toEqual([
      '2026-11-24T11:55:01.000Z',
      '2026-11-24T12:00:01.000Z',
    ]);
  });

  it('applies the batch sentAt to messages without their own', () => {
    const m = accept(
      { type: 'track', userId: 'u', event: 'E', timestamp: '2026-11-24T11:00:00Z' },
      { defaults: { sentAt: '2026-11-24T11:59:00Z' } },
    );
    expect(m.timestamp).toBe('2026-11-24T11:01:00.000Z');
  });

  it('derives the timestamp from originalTimestamp and sentAt as Segment does: receivedAt - (sentAt - originalTimestamp)', () => {
    // RudderStack's clients send originalTimestamp (the event's time by the device clock) and sentAt, no timestamp.
    const m = accept({
      type: 'track',
      userId: 'u',
      event: 'E',
      originalTimestamp: '2026-11-24T11:49:50.223Z',
      sentAt: '2026-11-24T11:50:00.000Z',
    });
    expect(m.timestamp).toBe('2026-11-24T11:59:50.223Z');
    expect(m.originalTimestamp).toBe('2026-11-24T11:49:50.223Z');
    // Without sentAt there is no skew to correct: originalTimestamp is the time.
    expect(
      accept({ type: 'track', userId: 'u', event: 'E', originalTimestamp: '2026-11-24T11:49:50Z' })
        .timestamp,
    ).toBe('2026-11-24T11:49:50.000Z');
    // The batch's sentAt counts too; a timestamp given wins over originalTimestamp.
    const batched = accept(
      { type: 'track', userId: 'u', event: 'E', originalTimestamp: '2026-11-24T11:58:00Z' },
      { defaults: { sentAt: '2026-11-24T11:59:00Z' } },
    );
    expect(batched.timestamp).toBe('2026-11-24T11:59:00.000Z');
    const both = accept({
      type: 'track',
      userId: 'u',
      event: 'E',
      timestamp: '2026-11-24T10:00:00Z',
      originalTimestamp: '2026-11-24T09:00:00Z',
    });
    expect(both.timestamp).toBe('2026-11-24T10:00:00.000Z');
    expect(refusal({ type: 'track', userId: 'u', event: 'E', originalTimestamp: 'soon' })).toMatch(
      /^originalTimestamp: .*ISO 8601/,
    );
  });

  it('refuses a timestamp before 1970 with the reason, and moves one more than a day ahead to receivedAt', () => {
    // 0001-01-01 is the zero time of several languages' date types: a bug in the sender, not an event time.
    expect(refusal({ type: 'track', userId: 'u', event: 'E', timestamp: '0001-01-01' })).toBe(
      'timestamp: 0001-01-01T00:00:00.000Z is before 1970-01-01, the earliest time a message can have',
    );
    expect(
      refusal({ type: 'track', userId: 'u', event: 'E', timestamp: '1969-12-31T23:59:59Z' }),
    ).toMatch(/before 1970-01-01/);
    expect(
      accept({ type: 'track', userId: 'u', event: 'E', timestamp: '1970-01-01T00:00:00Z' })
        .timestamp,
    ).toBe('1970-01-01T00:00:00.000Z');
    const future = accept({ type: 'track', userId: 'u', event: 'E', timestamp: '9999-12-31' });
    expect(future.timestamp).toBe('2026-11-24T12:00:00.000Z');
    expect(future.originalTimestamp).toBe('9999-12-31');
    expect(future.tailor.originals).toEqual({ timestamp: '9999-12-31T00:00:00.000Z' });
    // Within a day ahead it is kept (time zones and small clock errors).
    expect(
      accept({ type: 'track', userId: 'u', event: 'E', timestamp: '2026-11-25T11:00:00Z' })
        .timestamp,
    ).toBe('2026-11-25T11:00:00.000Z');
  });

  it('normalizes emails, phones, countries and createdAt, keeping what changed under tailor.originals', () => {
    const m = accept(
      {
        type: 'identify',
        userId: 'u',
        traits: {
          email: ' Jane@Example.COM',
          phone: '030 1234567',
          address: { country: 'Germany', city: 'Berlin' },
          createdAt: '2024-01-01T01:00:00+01:00',
        },
        context: { location: { country: 'deu' }, traits: { email: 'JANE@example.com' } },
      },
      { defaultRegion: 'DE' },
    );
    expect(m.traits).toEqual({
      email: 'jane@example.com',
      phone: '+49301234567',
      address: { country: 'DE', city: 'Berlin' },
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    expect(m.context).toEqual({
      location: { country: 'DE' },
      traits: { email: 'jane@example.com' },
    });
    expect(m.tailor.originals).toEqual({
      'traits.email': ' Jane@Example.COM',
      'traits.phone': '030 1234567',
      'traits.address.country': 'Germany',
      'traits.createdAt': '2024-01-01T01:00:00+01:00',
      'context.traits.email': 'JANE@example.com',
      'context.location.country': 'deu',
    });
  });

  it('leaves unrecognizable values as they came and records nothing for them', () => {
    const m = accept({
      type: 'identify',
      userId: 'u',
      traits: { phone: 'call me', address: { country: 'Atlantis' } },
    });
    expect(m.traits).toEqual({ phone: 'call me', address: { country: 'Atlantis' } });
    expect(m.tailor.originals).toBeUndefined();
  });

  it('makes ids strings, generates a missing messageId, drops the writeKey and records the source', () => {
    const m = accept({ type: 'identify', userId: 42, anonymousId: '', writeKey: 'secret' });
    expect(m.userId).toBe('42');
    expect(m.anonymousId).toBeNull();
    expect(m.messageId).toMatch(/^generated-/);
    expect(m).not.toHaveProperty('writeKey');
    expect(m.tailor.source).toBe('key:web');
    expect(accept({ type: 'track', userId: 'u', event: 'E', messageId: 'm-1' }).messageId).toBe(
      'm-1',
    );
  });

  it("merges batch context and integrations under the message's own", () => {
    const m = accept(
      { type: 'track', userId: 'u', event: 'E', context: { ip: '10.0.0.1' } },
      {
        defaults: {
          context: { ip: '1.1.1.1', library: { name: 'x' } },
          integrations: { All: false },
        },
      },
    );
    expect(m.context).toEqual({ ip: '10.0.0.1', library: { name: 'x' } });
    expect(m.integrations).toEqual({ All: false });
  });
});

describe('acceptMessage: tracking plans', () => {
  const schema = {
    type: 'object',
    required: ['revenue'],
    properties: {
      revenue: { type: 'number', minimum: 0 },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    },
  };
  function plans(mode: 'allow' | 'block'): Map<string, CompiledPlan> {
    const compiled = compileTrackingPlan({ target: 'event:Order Completed', mode, schema });
    if (!compiled.ok) throw new Error(compiled.error);
    return new Map([['event:Order Completed', compiled.value]]);
  }

  it('allow mode stores the message and reports the violations per rule', () => {
    const result = acceptMessage(
      {
        type: 'track',
        userId: 'u',
        event: 'Order Completed',
        properties: { revenue: '12', currency: 'eur' },
      },
      options({ plans: plans('allow') }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.violations.map((v) => v.rule).sort()).toEqual([
      '/currency pattern',
      '/revenue type',
    ]);
    expect(result.value.violations[0]?.event).toBe('Order Completed');
    expect(result.value.message.tailor.violations).toHaveLength(2);
  });

  it('block mode refuses with the rule, and a missing required property names the property', () => {
    const result = acceptMessage(
      { type: 'track', userId: 'u', event: 'Order Completed', properties: {} },
      options({ plans: plans('block') }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.reason).toMatch(
      /blocked by the tracking plan for Order Completed: \/revenue required/,
    );
    expect(result.error.violations?.[0]?.rule).toBe('/revenue required');
  });

  it('leaves other events and conforming messages alone', () => {
    expect(
      acceptMessage(
        { type: 'track', userId: 'u', event: 'Other', properties: {} },
        options({ plans: plans('block') }),
      ).ok,
    ).toBe(true);
    const ok = acceptMessage(
      {
        type: 'track',
        userId: 'u',
        event: 'Order Completed',
        properties: { revenue: 3, currency: 'EUR' },
      },
      options({ plans: plans('block') }),
    );
    expect(ok.ok && ok.value.violations).toEqual([]);
  });

  it('checks identify traits against the traits plan', () => {
    const compiled = compileTrackingPlan({
      target: 'traits',
      mode: 'allow',
      schema: { type: 'object', properties: { age: { type: 'integer' } } },
    });
    if (!compiled.ok) throw new Error(compiled.error);
    const result = acceptMessage(
      { type: 'identify', userId: 'u', traits: { age: 'old' } },
      options({ plans: new Map([['traits', compiled.value]]) }),
    );
    expect(result.ok && result.value.violations).toEqual([
      { event: '$identify', rule: '/age type', message: 'must be integer' },
    ]);
  });

  it('refuses a schema that does not compile', () => {
    expect(
      compileTrackingPlan({
        target: 'traits',
        mode: 'allow',
        schema: { type: 'object', properties: { a: { type: 7 } } },
      }).ok,
    ).toBe(false);
  });
});
