import { Type, type Static } from 'typebox';

const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f]+$' });
const Template = Type.String({ maxLength: 50_000, description: 'A Liquid template; output is HTML-escaped unless marked `| raw`' });

/** One piece of content a placement can show, and when it may. */
export const PlacementItem = Type.Object(
  {
    id: Id,
    when: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description: 'Eligibility in the segment language: traits, computed, consent, in_segment, context.*',
      }),
    ),
    priority: Type.Number({ default: 0, description: 'Higher wins among eligible items of equal score' }),
    template: Template,
    override: Type.Optional(Type.Boolean({ description: 'When eligible, wins over items that are not overrides' })),
    score: Type.Optional(
      Type.String({
        pattern: '^computed\\.[A-Za-z0-9_$.-]+$',
        description: 'A computed trait (`computed.NAME`) ranking eligible items: higher first, before priority',
      }),
    ),
    schedule: Type.Optional(
      Type.Object(
        {
          start: Type.Optional(Type.String({ format: 'date-time' })),
          end: Type.Optional(Type.String({ format: 'date-time' })),
        },
        { additionalProperties: false, description: 'Shown only in [start, end)' },
      ),
    ),
    experiment: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'When this item wins, assign the person in this experiment and serve their variant' }),
    ),
    variants: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Template, {
        description: "Per variant id, the template served instead of the item's own (a variant not listed gets the item's template)",
      }),
    ),
    cap: Type.Optional(
      Type.Object(
        {
          max: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
          per: Type.String({ pattern: '^[1-9][0-9]*[smhdw]$', description: 'A window: 30m, 24h, 7d, 2w' }),
        },
        { additionalProperties: false, description: 'At most `max` exposures of this item per person per window' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PlacementItem = Static<typeof PlacementItem>;

export const PlacementBody = Type.Object(
  {
    items: Type.Array(PlacementItem, { maxItems: 200 }),
    default: Type.Object({ id: Id, template: Template }, { additionalProperties: false }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { title: 'Placement', additionalProperties: false },
);
export type PlacementBody = Static<typeof PlacementBody>;

/** A decision before rendering: which item, and why. */
export interface Choice {
  itemId: string;
  /** True when the default was chosen because nothing else could be (not merely because it won). */
  fallback: boolean;
  reasons: string[];
}
