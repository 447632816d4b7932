import { Type } from 'typebox';
import { MergeRecord, MESSAGE_TYPES, type MessageType } from '@tailor/core';

/**
 * The HTTP shapes of the profile routes, declared once: Fastify validates with them and the
 * OpenAPI document is generated from them (http/routes/).
 */

const Filter = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description }));

/**
 * GET /v1/events: one person's events in log order (userId or anonymousId, the contract's read),
 * or the whole log newest first (no person, or `order=desc`), filtered.
 */
export const EventsQuery = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    order: Type.Optional(
      Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
        description:
          'asc: oldest first (the default with a userId or anonymousId: one person, from the index); desc: newest first across the log (the default without one)',
      }),
    ),
    type: Type.Optional(
      Type.Unsafe<MessageType>(
        Type.Union(
          MESSAGE_TYPES.map((t) => Type.Literal(t)),
          { description: 'Only messages of this type (order=desc)' },
        ),
      ),
    ),
    event: Filter("Only this track event, or this page's or screen's name (order=desc)"),
    source: Filter(
      'Only messages sent by this source, as recorded: key:NAME, import:FILE (order=desc)',
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Page size, default 100' }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const EventsPage = Type.Object({
  events: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    description: 'Messages as stored, in log order (order=desc: newest first)',
  }),
  next: Type.Union([Type.String(), Type.Null()], {
    description:
      "Cursor of the next page, null on the last. Newest first, one request examines at most 20,000 events: a rare filter's page may be short, even empty, with a cursor to read on",
  }),
});

export const ProvenanceFlag = Type.Optional(
  Type.Boolean({
    description: 'Add `provenance`: the source, messageId and timestamp of each trait',
  }),
);

export const ExplainFlag = Type.Optional(
  Type.Boolean({
    description:
      "Add each model score's explanation: the intercept, the largest terms of its log-odds and the rest",
  }),
);

export const ProfileId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const ProfileNotFound = Type.Object({ code: Type.String(), message: Type.String() });

export const ConflictView = Type.Object({
  identifier: Type.Object({ type: Type.String(), value: Type.String() }),
  limitType: Type.String(),
  limit: Type.Number(),
  profileId: Type.Optional(Type.String()),
  resolvedTo: Type.String(),
  messageId: Type.String(),
  at: Type.String(),
});

/** GET /v1/profiles: the querystring. */
export const ProfilesQuery = Type.Object(
  {
    identifier: Type.String({
      minLength: 3,
      maxLength: 1100,
      description: 'TYPE:VALUE, e.g. email:ann@example.com',
    }),
    provenance: ProvenanceFlag,
    explain: ExplainFlag,
  },
  { additionalProperties: false },
);

/** GET /v1/profiles/:id: the querystring. */
export const ProfileQuery = Type.Object(
  { provenance: ProvenanceFlag, explain: ExplainFlag },
  { additionalProperties: false },
);

/** GET /v1/profiles/:id/events: the querystring. */
export const ProfileEventsQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Page size, default 100' }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** GET /v1/profiles/:id/events: its 200 answer. */
export const ProfileEventsPage = Type.Object({
  events: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  next: Type.Union([Type.String(), Type.Null()]),
});

/** GET /v1/profiles/:id/merges: its 200 answer. */
export const ProfileMerges = Type.Object({
  merges: Type.Array(MergeRecord),
  conflicts: Type.Array(ConflictView),
});

/** GET /v1/profiles/:id/memberships: its 200 answer. */
export const ProfileMemberships = Type.Object({
  memberships: Type.Array(
    Type.Object({
      segment: Type.String(),
      profileId: Type.String(),
      entered: Type.Boolean(),
      at: Type.String(),
      cause: Type.String(),
    }),
  ),
});

/** GET /v1/identity/conflicts: the querystring. */
export const IdentityConflictsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 100' })),
  },
  { additionalProperties: false },
);

/** GET /v1/identity/conflicts: its 200 answer. */
export const IdentityConflicts = Type.Object({ conflicts: Type.Array(ConflictView) });

/** PUT /v1/profiles/:id/consent: the body. */
export const ConsentBody = Type.Object(
  {
    purposes: Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Boolean(), {
      description: '{PURPOSE: true|false}',
    }),
  },
  { additionalProperties: false },
);

/** PUT /v1/profiles/:id/consent: its 200 answer. */
export const ConsentAnswer = Type.Object({
  profileId: Type.String(),
  messageId: Type.String(),
  purposes: Type.Record(Type.String(), Type.Boolean()),
});
