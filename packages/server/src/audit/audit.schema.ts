import { Type, type Static } from 'typebox';

/**
 * One entry of the audit log: who (a key's name, never the key), what, about what, and how it
 * ended. People are named by profile id only; no query string, body or identifier value is kept.
 */
export const AuditEntry = Type.Object(
  {
    id: Type.Integer({ description: 'Increasing; newer entries have larger ids' }),
    at: Type.String({ description: 'When, ISO 8601' }),
    key: Type.String({
      description:
        'The name of the key that acted (for an erasure carried out, the key that asked for it)',
    }),
    role: Type.Union([Type.String(), Type.Null()], {
      description: "The key's role then; null for work the pipeline carried out",
    }),
    action: Type.String({
      description: 'What was done, e.g. `profile.read`, `segment.put`, `privacy.erase.completed`',
    }),
    target: Type.String({
      description: 'What it was done to, e.g. `profile:p_00000a`, `segment:vip`, `key:ci`',
    }),
    profileId: Type.Optional(
      Type.String({ description: 'The person concerned, by profile id, when there is one' }),
    ),
    method: Type.Union([Type.String(), Type.Null()], {
      description: 'HTTP method; null for work the pipeline carried out',
    }),
    route: Type.Union([Type.String(), Type.Null()], {
      description: 'The route pattern, e.g. `/v1/profiles/:id` (never the URL with its query)',
    }),
    status: Type.Union([Type.Integer(), Type.Null()], { description: 'The HTTP status answered' }),
    ip: Type.Union([Type.String(), Type.Null()], { description: 'Where the request came from' }),
  },
  { title: 'Audit entry' },
);
export type AuditEntry = Static<typeof AuditEntry>;

/** An entry to record: the id is given by the store, the time is in ms. */
export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'> & { at: number };

export const AuditQuery = Type.Object(
  {
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Only this action, e.g. `profile.read`',
      }),
    ),
    key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'Only entries of the key with this name',
      }),
    ),
    profileId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Only entries about this profile' }),
    ),
    since: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'Only entries at or after this time (ISO 8601)',
      }),
    ),
    until: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'Only entries before this time (ISO 8601)',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Page size, default 100' }),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: 64, description: 'The `next` of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditPage = Type.Object({
  entries: Type.Array(AuditEntry, { description: 'Newest first' }),
  next: Type.Union([Type.String(), Type.Null()], {
    description: 'Cursor of the next (older) page, null on the last',
  }),
});
