import { normalizePhone, parseIdentifier, type CountryCode } from '@tailor/core';
import type { Tailor } from '../open-tailor.js';
import { profileNamed } from '../profiles/read-profile.js';

/** What an answered request was about, worked out after the answer was sent. */
export interface AuditSubject {
  params: Record<string, unknown>;
  /** The query string and the request body: only to find the person concerned, never kept. */
  query: Record<string, unknown>;
  body: unknown;
  /** The answer's body when it succeeded (2xx), else undefined. */
  response: unknown;
  tailor: Tailor;
}

export interface AuditAbout {
  /** `KIND:NAME`, e.g. `segment:vip`, `profile:p_00000a`; never an identifier's value. */
  target: string;
  /** The people concerned (one entry is recorded for each), by profile id. */
  profileIds?: string[];
}

export interface AuditRule {
  action: string;
  about(subject: AuditSubject): AuditAbout | Promise<AuditAbout>;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;

/** A definition or key named in the path: `KIND:NAME`. */
const named = (action: string, kind: string, param = 'name'): AuditRule => ({
  action,
  about: ({ params }) => ({ target: `${kind}:${text(params[param]) ?? '?'}` }),
});

/** A person, by the profile id the answer gives (a request that failed names nobody: its input may be anything). */
const person = (action: string, idOf: (subject: AuditSubject) => unknown): AuditRule => ({
  action,
  about: (subject) => {
    const id = subject.response === undefined ? undefined : text(idOf(subject));
    return id === undefined ? { target: 'profile' } : { target: `profile:${id}`, profileIds: [id] };
  },
});

/** A list of many people at once: the target only. */
const listing = (action: string, target: string): AuditRule => ({
  action,
  about: () => ({ target }),
});

/**
 * Every route that reads personal data or changes personal data or definitions, by
 * `METHOD /path` as registered, and what its audit entry says. Requests to these routes are
 * recorded by one hook (http/audit-requests.ts); a new route gets audited by adding a line here,
 * and test/audit-rules.test.ts fails for a route that is neither here nor in NOT_AUDITED.
 */
export const AUDIT_RULES: Readonly<Record<string, AuditRule>> = {
  // Reading people
  'GET /v1/profiles': person('profile.read', ({ response }) => field(response, 'id')),
  'GET /v1/profiles/:id': person('profile.read', ({ response }) => field(response, 'id')),
  'GET /v1/profiles/:id/events': person('profile.events.read', ({ params }) => params.id),
  'GET /v1/profiles/:id/merges': person('profile.merges.read', ({ params }) => params.id),
  'GET /v1/profiles/:id/memberships': person('profile.memberships.read', ({ params }) => params.id),
  'GET /v1/events': {
    action: 'events.read',
    about: async ({ query, response, tailor }) => {
      if (response === undefined) return { target: 'events' };
      const found = await profileNamed(tailor.profiles, {
        userId: text(query.userId),
        anonymousId: text(query.anonymousId),
      });
      return found === undefined
        ? { target: 'events' }
        : { target: `profile:${found.id}`, profileIds: [found.id] };
    },
  },
  'GET /v1/segments/:name/members': named('segment.members.read', 'segment'),
  'GET /v1/clusterings/:name/clusters/:id/members': named('clustering.members.read', 'clustering'),
  'GET /v1/identity/conflicts': listing('identity.conflicts.read', 'identity:conflicts'),
  'GET /v1/identity/reviews': listing('identity.reviews.read', 'identity:reviews'),
  'POST /v1/placements/:name/preview': {
    action: 'placement.preview',
    about: async ({ params, body, response, tailor }) => {
      const target = `placement:${text(params.name) ?? '?'}`;
      if (response === undefined) return { target };
      const who = {
        profileId: text(field(body, 'profileId')),
        userId: text(field(body, 'userId')),
        anonymousId: text(field(body, 'anonymousId')),
      };
      const found = await profileNamed(tailor.profiles, who);
      return found === undefined ? { target } : { target, profileIds: [found.id] };
    },
  },
  // Renders a person's emails from their traits.
  'POST /v1/journeys/:name/dry-run': {
    action: 'journey.dry-run',
    about: async ({ params, body, response, tailor }) => {
      const target = `journey:${text(params.name) ?? '?'}`;
      const identifier = text(field(body, 'identifier'));
      if (response === undefined || identifier === undefined) return { target };
      const parsed = parseIdentifier(identifier, (v) =>
        normalizePhone(v, tailor.config.defaultRegion as CountryCode),
      );
      const found = parsed.ok ? await tailor.profiles.byIdentifier(parsed.value) : undefined;
      return found === undefined ? { target } : { target, profileIds: [found.id] };
    },
  },
  // A person's recommendations follow from what they had.
  'GET /v1/recommendations/:name': {
    action: 'recommendations.read',
    about: async ({ params, query, response, tailor }) => {
      const target = `recommender:${text(params.name) ?? '?'}`;
      if (response === undefined) return { target };
      const found = await profileNamed(tailor.profiles, {
        userId: text(query.userId),
        anonymousId: text(query.anonymousId),
      });
      return found === undefined ? { target } : { target, profileIds: [found.id] };
    },
  },
  'POST /v1/privacy/export': person('privacy.export', ({ response }) =>
    field(field(response, 'profile'), 'id'),
  ),
  'GET /v1/audit': listing('audit.read', 'audit'),

  // Changing people
  'PUT /v1/profiles/:id/consent': person('consent.update', ({ response }) =>
    field(response, 'profileId'),
  ),
  'POST /v1/privacy/erase': person('privacy.erase.requested', ({ response }) =>
    field(response, 'profileId'),
  ),
  'POST /v1/privacy/unsuppress': listing('privacy.unsuppress', 'suppression'),
  'GET /v1/identity-verification/secret': listing(
    'identity-verification.secret.read',
    'identity-verification',
  ),
  'POST /v1/identity/match': listing('identity.match', 'identity:match'),
  'POST /v1/identity/reviews/:id': {
    action: 'identity.review.decide',
    about: ({ params, response }) => {
      const ids = [text(field(response, 'leftId')), text(field(response, 'rightId'))].filter(
        (id) => id !== undefined,
      );
      return { target: `review:${text(params.id) ?? '?'}`, profileIds: ids };
    },
  },

  // Definitions
  'PUT /v1/segments/:name': named('segment.put', 'segment'),
  'DELETE /v1/segments/:name': named('segment.delete', 'segment'),
  'PUT /v1/computed-traits/:name': named('computed-trait.put', 'computed-trait'),
  'DELETE /v1/computed-traits/:name': named('computed-trait.delete', 'computed-trait'),
  'PUT /v1/placements/:name': named('placement.put', 'placement'),
  'DELETE /v1/placements/:name': named('placement.delete', 'placement'),
  'PUT /v1/journeys/:name': named('journey.put', 'journey'),
  'DELETE /v1/journeys/:name': named('journey.delete', 'journey'),
  'PUT /v1/experiments/:name': named('experiment.put', 'experiment'),
  'PUT /v1/recommenders/:name': named('recommender.put', 'recommender'),
  'DELETE /v1/recommenders/:name': named('recommender.delete', 'recommender'),
  'POST /v1/recommenders/:name/train': named('recommender.train', 'recommender'),
  'PUT /v1/catalog/items': { action: 'catalog.put', about: () => ({ target: 'catalog' }) },
  'PUT /v1/channel-rules': listing('channel-rules.put', 'channel-rules'),
  'PUT /v1/models/:name': named('model.put', 'model'),
  'DELETE /v1/models/:name': named('model.delete', 'model'),
  'POST /v1/models/:name/train': named('model.train', 'model'),
  'POST /v1/models/:name/promote': named('model.promote', 'model'),
  'PUT /v1/clusterings/:name': named('clustering.put', 'clustering'),
  'DELETE /v1/clusterings/:name': named('clustering.delete', 'clustering'),
  'POST /v1/clusterings/:name/train': named('clustering.train', 'clustering'),
  'PATCH /v1/clusterings/:name/clusters/:id': named('clustering.rename', 'clustering'),
  'PUT /v1/clusterings/:name/clusters/:id': named('clustering.rename', 'clustering'),
  'DELETE /v1/experiments/:name': named('experiment.delete', 'experiment'),
  'PUT /v1/destinations/:name': named('destination.put', 'destination'),
  'DELETE /v1/destinations/:name': named('destination.delete', 'destination'),
  'PUT /v1/sources/:name': named('source.put', 'source'),
  'DELETE /v1/sources/:name': named('source.delete', 'source'),
  // A test shows the first rows' messages (personal data from the source); a sync stores them.
  'POST /v1/sources/:name/test': named('source.test', 'source'),
  'POST /v1/sources/:name/sync': named('source.sync', 'source'),
  'PUT /v1/tracking-plans/events/:event': named(
    'tracking-plan.put',
    'tracking-plan:event',
    'event',
  ),
  'DELETE /v1/tracking-plans/events/:event': named(
    'tracking-plan.delete',
    'tracking-plan:event',
    'event',
  ),
  'PUT /v1/tracking-plans/traits': listing('tracking-plan.put', 'tracking-plan:traits'),
  'DELETE /v1/tracking-plans/traits': listing('tracking-plan.delete', 'tracking-plan:traits'),
  'PUT /v1/keys/:name': named('key.put', 'key'),
  'PATCH /v1/keys/:name': named('key.update', 'key'),
  'DELETE /v1/keys/:name': named('key.revoke', 'key'),
};

/** Routes deliberately not audited, and why. */
export const NOT_AUDITED: Readonly<Record<string, string>> = {
  'GET /health': 'public, no personal data',
  'GET /metrics': 'public, counts only',
  'GET /openapi.json': 'public, the API description',
  'GET /sdk/tailor.min.js': 'public, the browser SDK',
  'POST /v1/track': "collection: the person's own events, the hottest path",
  'POST /v1/identify': "collection: the person's own events, the hottest path",
  'POST /v1/page': "collection: the person's own events, the hottest path",
  'POST /v1/screen': "collection: the person's own events, the hottest path",
  'POST /v1/group': "collection: the person's own events, the hottest path",
  'POST /v1/alias': "collection: the person's own events, the hottest path",
  'POST /v1/batch': "collection: the person's own events, the hottest path",
  'POST /v1/t':
    "collection (analytics.js 2.0's short route): the person's own events, the hottest path",
  'POST /v1/i':
    "collection (analytics.js 2.0's short route): the person's own events, the hottest path",
  'POST /v1/p':
    "collection (analytics.js 2.0's short route): the person's own events, the hottest path",
  'POST /v1/s':
    "collection (analytics.js 2.0's short route): the person's own events, the hottest path",
  'POST /v1/g':
    "collection (analytics.js 2.0's short route): the person's own events, the hottest path",
  'POST /v1/a':
    "collection (analytics.js 2.0's short route): the person's own events, the hottest path",
  'POST /v1/b':
    "collection (analytics.js 2.0's short route): the person's own events, the hottest path",
  'POST /v1/decide':
    'decisions for the person asking, a hot path; recorded in the log as Decision Made events',
  'POST /v1/experiments/:name/assign':
    'assignment for the person asking; recorded in the log as Experiment Viewed events',
  'GET /v1/segments': 'definitions, no personal data',
  'GET /v1/segments/:name': 'a definition, no personal data',
  'GET /v1/segments/:name/sizes': 'counts of members over time, no person',
  'POST /v1/segments/estimate':
    'a count of people (exact or from a sample), no person; personal fields are evaluated masked for keys that do not see them',
  'GET /v1/computed-traits': 'definitions, no personal data',
  'GET /v1/computed-traits/:name': 'a definition, no personal data',
  'GET /v1/placements': 'definitions, no personal data',
  'GET /v1/placements/:name': 'a definition, no personal data',
  'GET /v1/journeys': 'definitions, no personal data',
  'GET /v1/journeys/:name': 'a definition, no personal data',
  'GET /v1/journeys/:name/stats': 'counts per step, no person',
  'GET /v1/unsubscribe':
    "the person's own answer through a signed email link; recorded in the log as a Consent Updated event",
  'POST /v1/unsubscribe':
    "the person's own one-click answer through a signed email link (no key to record); recorded in the log as a Consent Updated event",
  'GET /v1/email/open':
    "the person's own open of a journey email (signed pixel); recorded in the log as an Email Opened event",
  'GET /v1/email/click':
    "the person's own click in a journey email (signed link); recorded in the log as an Email Link Clicked event",
  'GET /v1/placements/:name/arms': "a bandit's exposure and conversion counts per item, no person",
  'GET /v1/experiments': 'definitions, no personal data',
  'GET /v1/experiments/:name': 'a definition, no personal data',
  'GET /v1/experiments/:name/results': 'aggregates over variants, no person',
  'GET /v1/recommenders': 'definitions and model sizes, no personal data',
  'GET /v1/recommenders/:name': 'a definition and its model size, no personal data',
  'GET /v1/catalog/items': 'catalogue items, no person',
  'GET /v1/catalog/items/:id': 'a catalogue item, no person',
  'GET /v1/models': 'definitions, no personal data',
  'GET /v1/models/:name': 'a definition, no personal data',
  'GET /v1/models/:name/schedule': 'when its jobs are due and how they went, no person',
  'GET /v1/models/:name/versions': 'metrics over everyone and coefficients, no person',
  'GET /v1/models/:name/drift': 'distribution shifts over everyone, no person',
  'GET /v1/models/:name/training': 'how far its training is, metrics over everyone, no person',
  'GET /v1/clusterings': 'definitions and training summaries, no personal data',
  'GET /v1/clusterings/:name': 'a definition and its training summary, no personal data',
  'GET /v1/clusterings/:name/clusters': 'centroids, sizes and personas over everyone, no person',
  'POST /v1/recommendations/:name':
    "from browsers, as decide: the proven person's own recommendations, else popular items for anyone",
  'POST /v1/reports/attribution': 'aggregates over people (credit per UTM key), no person',
  'POST /v1/reports/funnel': 'aggregates over people (counts per step), no person',
  'POST /v1/reports/retention': 'aggregates over people (counts per cohort and period), no person',
  'POST /v1/reports/kpis': 'aggregates over people (totals per segment or variant), no person',
  'GET /v1/reports/quality': 'counts per source and event, no person',
  'GET /v1/reports/activity': 'counts per time and event name, no person',
  'GET /v1/channel-rules': 'definitions, no personal data',
  'GET /v1/destinations': 'definitions, no personal data',
  'GET /v1/sources': 'definitions without passwords and sync counts, no personal data',
  'GET /v1/sources/:name':
    'a definition without its password, sync counts and rejected rows by key, no values',
  'GET /v1/sources/:name/status': 'sync counts, the cursor and rejected rows by key, no values',
  'GET /v1/destinations/:name': 'a definition with delivery counts',
  'GET /v1/destinations/:name/deliveries':
    'delivery ids, event names and statuses, no event content',
  'GET /v1/tracking-plans': 'definitions, no personal data',
  'GET /v1/quality/violations': 'counts of tracking plan violations by event and rule',
  'GET /v1/keys': 'key names and roles, never the keys',
};
