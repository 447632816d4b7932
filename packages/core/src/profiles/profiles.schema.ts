import { Type, type Static } from 'typebox';
import { IdentifierRef } from '../identity/identity.schema.js';
import { ModelScore } from '../models/registry/model-definition.schema.js';

/** Where a trait's value came from. */
export const Provenance = Type.Object({
  source: Type.String({
    description: '`key:NAME` (collection API), `import:FILE` (bulk import), `api`, `match`',
  }),
  messageId: Type.String(),
  timestamp: Type.String({
    description: 'The message timestamp (clock-skew corrected), ISO 8601 UTC',
  }),
});
export type Provenance = Static<typeof Provenance>;

/** A trait value with its provenance, as the profile store keeps it. */
export interface TraitEntry extends Provenance {
  value: unknown;
}
export type TraitMap = Record<string, TraitEntry>;

/**
 * The merge policy for traits: sources in priority order (highest first). A value from a higher
 * source replaces one from a lower source whatever their times; between equals, the latest
 * timestamp wins. Sources not listed rank below all listed ones. A pattern ending in `*` matches
 * by prefix (`import:*`).
 */
export const TraitPolicy = Type.Object(
  { sourcePriority: Type.Array(Type.String({ minLength: 1 }), { default: [] }) },
  { additionalProperties: false },
);
export type TraitPolicy = Static<typeof TraitPolicy>;

export const Profile = Type.Object(
  {
    id: Type.String(),
    identifiers: Type.Array(IdentifierRef),
    traits: Type.Record(Type.String(), Type.Unknown()),
    computed: Type.Record(Type.String(), Type.Unknown()),
    segments: Type.Array(Type.String()),
    consent: Type.Record(Type.String(), Type.Boolean()),
    groups: Type.Array(Type.String(), { description: 'groupIds the person was associated with' }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    mergedIds: Type.Array(Type.String(), {
      description: 'Profiles merged into this one; their ids lead here',
    }),
    provenance: Type.Optional(Type.Record(Type.String(), Provenance)),
    scores: Type.Optional(
      Type.Record(Type.String(), ModelScore, {
        description:
          "Registry models' scores by model name (`model.NAME.score` in the segment language); with `explain=true` each carries its contributions",
      }),
    ),
  },
  { title: 'Profile' },
);
export type Profile = Static<typeof Profile>;

export const MergeRecord = Type.Object(
  {
    into: Type.String({ description: 'The surviving profile' }),
    from: Type.String({ description: 'The profile merged into it' }),
    messageId: Type.String({ description: 'The message whose identifiers linked them' }),
    at: Type.String({ description: 'When the merge was made (the message timestamp)' }),
    reason: Type.String({ description: '`identifier TYPE:VALUE`, `alias`, or `match WEIGHT`' }),
  },
  { title: 'Merge' },
);
export type MergeRecord = Static<typeof MergeRecord>;
