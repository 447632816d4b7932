import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../events/events.schema.js';
import { DEFAULT_IDENTITY_RULES, type IdentityRules } from '../identity/identity.schema.js';
import { sourceRanker, traitValues } from './apply-traits.js';
import { foldEvents, profileIdFor } from './fold-events.js';
import {
  ProfileGraph,
  identityKey,
  type GraphSnapshot,
  type ProfileState,
} from './profile-graph.js';
import { compileDefinitions } from '../segments/compile-definitions.js';
import { emptyDerivedState } from '../segments/update-derived.js';
import { emptyConsent } from '../privacy/consent.schema.js';

type Draft = Partial<StoredMessage> & Pick<StoredMessage, 'type'>;

/** A whole graph in memory: the snapshot holds everything, so folding scenario after scenario works. */
function scenario(rules: IdentityRules = DEFAULT_IDENTITY_RULES, sourcePriority: string[] = []) {
  const snapshot: GraphSnapshot = {
    identities: new Map(),
    profiles: new Map(),
    groups: new Map(),
    merged: new Map(),
  };
  const graph = new ProfileGraph(snapshot);
  let position = 0;
  const send = (draft: Draft, minute = position): number => {
    position++;
    const timestamp = new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString();
    const message: StoredMessage = {
      messageId: `m${position}`,
      userId: null,
      anonymousId: null,
      timestamp,
      receivedAt: timestamp,
      context: {},
      tailor: { source: 'key:web' },
      ...draft,
    };
    foldEvents(graph, [{ position, message }], { rules, rank: sourceRanker({ sourcePriority }) });
    return position;
  };
  const profileOf = (type: string, value: string) => {
    const id = graph.profileOf({ type, value });
    return id === undefined ? undefined : graph.profile(id);
  };
  const eventsOf = (profileId: string) =>
    graph.changes.assignments
      .filter((a) => graph.profile(a.profileId).id === profileId)
      .map((a) => a.position);
  return { graph, send, profileOf, eventsOf };
}

describe('foldEvents: deterministic identity resolution', () => {
  it('anonymous browsing then login: one profile with the browsing history', () => {
    const s = scenario();
    s.send({ type: 'page', anonymousId: 'a1' });
    s.send({ type: 'track', anonymousId: 'a1', event: 'Product Viewed' });
    s.send({
      type: 'identify',
      anonymousId: 'a1',
      userId: 'u1',
      traits: { email: 'ann@example.com' },
    });
    const profile = s.profileOf('userId', 'u1');
    expect(profile?.id).toBe(profileIdFor(1));
    expect(s.profileOf('anonymousId', 'a1')).toBe(profile);
    expect(s.profileOf('email', 'ann@example.com')).toBe(profile);
    expect(s.eventsOf(profileIdFor(1))).toEqual([1, 2, 3]);
    expect(s.graph.changes.merges).toEqual([]);
  });

  it('two devices of one person merge when the second logs in; the older profile survives', () => {
    const s = scenario();
    s.send({ type: 'identify', anonymousId: 'laptop', userId: 'u1' });
    s.send({ type: 'track', anonymousId: 'phone', event: 'App Opened' });
    s.send({ type: 'track', anonymousId: 'phone', event: 'Product Viewed' });
    s.send({ type: 'identify', anonymousId: 'phone', userId: 'u1' });
    const profile = s.profileOf('anonymousId', 'phone');
    expect(profile?.id).toBe(profileIdFor(1));
    expect(s.profileOf('anonymousId', 'laptop')).toBe(profile);
    expect(s.eventsOf(profileIdFor(1))).toEqual([1, 2, 3, 4]);
    expect(s.graph.changes.merges).toEqual([
      {
        into: profileIdFor(1),
        from: profileIdFor(2),
        messageId: 'm4',
        at: expect.any(String),
        reason: 'identifier anonymousId:phone',
      },
    ]);
  });

  it('alias chains: anonymous id to userId, then that userId renamed, all one person', () => {
    const s = scenario();
    s.send({ type: 'track', anonymousId: 'a1', event: 'Signed Up' });
    s.send({ type: 'alias', previousId: 'a1', userId: 'u-old' });
    s.send({ type: 'track', userId: 'u-new', event: 'Logged In' });
    s.send({ type: 'alias', previousId: 'u-old', userId: 'u-new' });
    const profile = s.profileOf('userId', 'u-new');
    expect(profile?.id).toBe(profileIdFor(1));
    expect(s.profileOf('userId', 'u-old')).toBe(profile);
    expect(s.profileOf('anonymousId', 'a1')).toBe(profile);
    expect(s.graph.changes.merges.map((m) => m.reason)).toEqual(['alias']);
    expect(s.graph.changes.conflicts).toEqual([]);
  });

  it('a shared family computer with two userIds does not merge them; the conflict is recorded', () => {
    const s = scenario();
    s.send({ type: 'identify', anonymousId: 'family-pc', userId: 'mum' });
    s.send({ type: 'identify', anonymousId: 'family-pc', userId: 'son' });
    s.send({ type: 'track', anonymousId: 'family-pc', userId: 'son', event: 'Game Bought' });
    const mum = s.profileOf('userId', 'mum');
    const son = s.profileOf('userId', 'son');
    expect(mum?.id).toBe(profileIdFor(1));
    expect(son?.id).toBe(profileIdFor(2));
    expect(s.profileOf('anonymousId', 'family-pc')).toBe(mum);
    expect(s.eventsOf(profileIdFor(2))).toEqual([2, 3]);
    expect(s.graph.changes.conflicts[0]).toMatchObject({
      identifier: { type: 'anonymousId', value: 'family-pc' },
      limitType: 'userId',
      limit: 1,
      profileId: profileIdFor(1),
      resolvedTo: profileIdFor(2),
      messageId: 'm2',
    });
  });

  it('two userIds sharing an email stay apart, and the email stays with the first', () => {
    const s = scenario();
    s.send({ type: 'identify', userId: 'u1', traits: { email: 'shared@example.com' } });
    s.send({ type: 'identify', userId: 'u2', traits: { email: 'shared@example.com' } });
    expect(s.profileOf('userId', 'u1')).not.toBe(s.profileOf('userId', 'u2'));
    expect(s.profileOf('email', 'shared@example.com')).toBe(s.profileOf('userId', 'u1'));
    expect(s.graph.changes.conflicts).toHaveLength(1);
  });

  it('merges cascade across three profiles reached through different identifiers', () => {
    const s = scenario();
    s.send({ type: 'track', anonymousId: 'a1', event: 'Viewed' });
    s.send({
      type: 'identify',
      anonymousId: 'a2',
      traits: { email: 'b@example.com', plan: 'free' },
    });
    s.send({
      type: 'identify',
      anonymousId: 'a3',
      traits: { phone: '+14155550100', city: 'Oslo' },
    });
    s.send({
      type: 'identify',
      anonymousId: 'a1',
      traits: { email: 'b@example.com', phone: '+14155550100' },
    });
    s.send({ type: 'track', anonymousId: 'a3', event: 'Bought' });
    const profile = s.profileOf('anonymousId', 'a3');
    expect(profile?.id).toBe(profileIdFor(1));
    expect(s.eventsOf(profileIdFor(1))).toEqual([1, 2, 3, 4, 5]);
    expect(traitValues(profile?.traits ?? {})).toEqual({
      email: 'b@example.com',
      plan: 'free',
      phone: '+14155550100',
      city: 'Oslo',
    });
    expect(s.graph.changes.merges.map((m) => [m.from, m.into])).toEqual([
      [profileIdFor(2), profileIdFor(1)],
      [profileIdFor(3), profileIdFor(1)],
    ]);
    expect(Object.fromEntries(profile?.counts ?? [])).toEqual({
      anonymousId: 3,
      email: 1,
      phone: 1,
    });
  });

  it('a profile takes at most the limit of a type; the extra identifier is left out', () => {
    const s = scenario([
      { type: 'userId', limit: 1 },
      { type: 'email', limit: 2 },
      { type: 'anonymousId', limit: 1000 },
    ]);
    for (const e of ['1', '2', '3'])
      s.send({ type: 'identify', userId: 'u', traits: { email: `e${e}@x.io` } });
    expect(s.profileOf('email', 'e3@x.io')).toBeUndefined();
    expect(s.graph.changes.conflicts.map((c) => [c.identifier.value, c.limitType])).toEqual([
      ['e3@x.io', 'email'],
    ]);
  });

  it('custom identifier types are read from configured paths and link profiles', () => {
    const s = scenario([
      ...DEFAULT_IDENTITY_RULES,
      { type: 'deviceId', limit: 10, paths: ['context.device.id'] },
    ]);
    s.send({ type: 'track', anonymousId: 'web-1', event: 'E', context: { device: { id: 'D-9' } } });
    s.send({ type: 'track', anonymousId: 'app-1', event: 'E', context: { device: { id: 'D-9' } } });
    expect(s.profileOf('anonymousId', 'app-1')).toBe(s.profileOf('anonymousId', 'web-1'));
    expect(s.profileOf('deviceId', 'D-9')?.id).toBe(profileIdFor(1));
  });
});

describe('foldEvents: merge instructions (accepted probabilistic matches)', () => {
  const merge = (a: string, b: string): Draft => ({
    type: 'track',
    event: 'Profiles Merged',
    tailor: { source: 'match', merge: { profiles: [a, b], reason: 'match 14.2' } },
  });

  it('merges two profiles that share no identifier; the older survives, by whichever id they are named', () => {
    const s = scenario();
    s.send({ type: 'identify', anonymousId: 'web-1', traits: { firstName: 'Ann' } });
    s.send({ type: 'identify', userId: 'crm-77', traits: { lastName: 'Lee' } });
    s.send({ ...merge(profileIdFor(2), profileIdFor(1)), userId: 'crm-77' });
    const profile = s.profileOf('userId', 'crm-77');
    expect(profile?.id).toBe(profileIdFor(1));
    expect(traitValues(profile?.traits ?? {})).toEqual({ firstName: 'Ann', lastName: 'Lee' });
    expect(s.graph.changes.merges.map((m) => [m.from, m.into, m.reason])).toEqual([
      [profileIdFor(2), profileIdFor(1), 'match 14.2'],
    ]);
    // Naming a merged id again changes nothing.
    s.send({ ...merge(profileIdFor(2), profileIdFor(1)), userId: 'crm-77' });
    expect(s.graph.changes.merges).toHaveLength(1);
  });

  it('does not merge two profiles with different userIds, and records why', () => {
    const s = scenario();
    s.send({ type: 'identify', userId: 'u1' });
    s.send({ type: 'identify', userId: 'u2' });
    s.send({ ...merge(profileIdFor(1), profileIdFor(2)), userId: 'u1' });
    expect(s.profileOf('userId', 'u1')).not.toBe(s.profileOf('userId', 'u2'));
    expect(s.graph.changes.conflicts[0]).toMatchObject({
      limitType: 'userId',
      profileId: profileIdFor(2),
    });
  });

  it('an instruction naming an unknown profile merges nothing; its event still belongs to its person', () => {
    const s = scenario();
    s.send({ type: 'identify', userId: 'u1' });
    s.send({ ...merge(profileIdFor(1), 'p_nope'), userId: 'u1' });
    expect(s.graph.changes.merges).toEqual([]);
    expect(s.eventsOf(profileIdFor(1))).toEqual([1, 2]);
  });
});

describe('foldEvents: traits with provenance', () => {
  it('a late message older than the stored value does not overwrite it, but fills what is missing', () => {
    const s = scenario();
    s.send({ type: 'identify', userId: 'u1', traits: { plan: 'pro' } }, 60);
    s.send({ type: 'identify', userId: 'u1', traits: { plan: 'free', city: 'Lyon' } }, 10);
    const profile = s.profileOf('userId', 'u1');
    expect(traitValues(profile?.traits ?? {})).toEqual({ plan: 'pro', city: 'Lyon' });
    expect(profile?.traits.plan).toMatchObject({
      source: 'key:web',
      messageId: 'm1',
      timestamp: '2026-11-01T01:00:00.000Z',
    });
    expect(profile?.createdAt).toBe('2026-11-01T00:10:00.000Z');
    expect(profile?.updatedAt).toBe('2026-11-01T01:00:00.000Z');
  });

  it('a configured source priority wins over recency', () => {
    const s = scenario(DEFAULT_IDENTITY_RULES, ['import:*']);
    s.send(
      {
        type: 'identify',
        userId: 'u1',
        traits: { name: 'Ann Smith' },
        tailor: { source: 'import:crm.csv' },
      },
      1,
    );
    s.send({ type: 'identify', userId: 'u1', traits: { name: 'annie', age: 30 } }, 50);
    expect(traitValues(s.profileOf('userId', 'u1')?.traits ?? {})).toEqual({
      name: 'Ann Smith',
      age: 30,
    });
  });

  it('group traits go on the group, and the profile lists its groups', () => {
    const s = scenario();
    s.send({ type: 'group', userId: 'u1', groupId: 'acme', traits: { industry: 'retail' } });
    expect(s.profileOf('userId', 'u1')?.groups).toEqual(['acme']);
    expect(traitValues(s.graph.changes.groups.get('acme') ?? {})).toEqual({ industry: 'retail' });
  });
});

describe('foldEvents: events that change nothing of the person', () => {
  const t0 = Date.UTC(2026, 10, 1);
  const message = (n: number, draft: Draft): StoredMessage => ({
    messageId: `m${n}`,
    userId: 'u1',
    anonymousId: null,
    timestamp: new Date(t0 + n * 60_000).toISOString(),
    receivedAt: new Date(t0 + n * 60_000).toISOString(),
    context: {},
    tailor: {
      source: draft.type === 'track' && draft.event === 'Decision Made' ? 'decide' : 'key:web',
    },
    ...draft,
  });
  const plan = compileDefinitions(
    [
      {
        name: 'orders',
        tree: { type: 'aggregate', fn: 'count', pattern: { event: 'Order Completed' } },
      },
    ],
    [],
  );

  /** A stored person whose traits, groups, derived state and consent throw when read. */
  function storedPerson(): { graph: ProfileGraph; reads: string[] } {
    const reads: string[] = [];
    const profile = {
      id: 'p1',
      rank: 1,
      createdAt: new Date(t0).toISOString(),
      updatedAt: new Date(t0).toISOString(),
      counts: new Map([['userId', 1]]),
    };
    for (const field of ['traits', 'groups', 'derived', 'consent']) {
      Object.defineProperty(profile, field, {
        get() {
          reads.push(field);
          return field === 'groups'
            ? []
            : field === 'traits'
              ? {}
              : field === 'derived'
                ? emptyDerivedState()
                : emptyConsent();
        },
      });
    }
    const snapshot: GraphSnapshot = {
      identities: new Map([[identityKey({ type: 'userId', value: 'u1' }), 'p1']]),
      profiles: new Map([['p1', profile as ProfileState]]),
      groups: new Map(),
      merged: new Map(),
    };
    return { graph: new ProfileGraph(snapshot), reads };
  }
  const options = {
    rules: DEFAULT_IDENTITY_RULES,
    rank: sourceRanker({ sourcePriority: [] }),
    plan,
    now: t0 + 3_600_000,
  };

  it('a track, page or screen nothing takes moves the times and is assigned, without reading the profile', () => {
    const { graph, reads } = storedPerson();
    foldEvents(
      graph,
      [
        {
          position: 5,
          message: message(1, {
            type: 'track',
            event: 'Decision Made',
            properties: { placement: 'hero', itemId: 'a' },
          }),
        },
        { position: 6, message: message(2, { type: 'page', name: 'Home' }) },
      ],
      options,
    );
    expect(reads).toEqual([]);
    expect(graph.changes.assignments).toEqual([
      { position: 5, profileId: 'p1' },
      { position: 6, profileId: 'p1' },
    ]);
    // The page is the person's doing and moves their times; the decision, Tailor's record, does not.
    expect(graph.changes.touched.get('p1')?.updatedAt).toBe(
      new Date(t0 + 2 * 60_000).toISOString(),
    );
    const own = storedPerson();
    foldEvents(
      own.graph,
      [{ position: 5, message: message(3, { type: 'track', event: 'Decision Made' }) }],
      options,
    );
    expect(own.graph.changes.assignments).toEqual([{ position: 5, profileId: 'p1' }]);
    expect(own.graph.changes.touched.size).toBe(0);
    // One a definition takes (an exposure count) changes the derived state, still not the times.
    const capped = storedPerson();
    const counting = {
      ...options,
      plan: compileDefinitions(
        [
          {
            name: 'shown',
            tree: { type: 'aggregate', fn: 'count', pattern: { event: 'Decision Made' } },
          },
        ],
        [],
      ),
    };
    foldEvents(
      capped.graph,
      [{ position: 5, message: message(3, { type: 'track', event: 'Decision Made' }) }],
      counting,
    );
    expect(capped.reads.length).toBeGreaterThan(0);
    expect(capped.graph.changes.touched.get('p1')?.updatedAt).toBe(new Date(t0).toISOString());
  });

  it('reads the profile for an event a definition takes, consent it carries, traits, or a new identifier', () => {
    const cases: Draft[] = [
      { type: 'track', event: 'Order Completed' },
      {
        type: 'track',
        event: 'Decision Made',
        context: { consent: { categoryPreferences: { personalization: false } } },
      },
      { type: 'identify', traits: { plan: 'pro' } },
      { type: 'track', event: 'Decision Made', anonymousId: 'new-device' },
    ];
    for (const draft of cases) {
      const { graph, reads } = storedPerson();
      foldEvents(graph, [{ position: 5, message: message(1, draft) }], options);
      expect(reads.length, JSON.stringify(draft)).toBeGreaterThan(0);
    }
  });
});
