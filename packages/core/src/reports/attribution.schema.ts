import { Type, type Static } from 'typebox';
import { ChannelRule, MAX_CHANNEL_RULES } from './channels.schema.js';

/** The attribution models, by the names the API takes. */
export const ATTRIBUTION_MODELS = [
  'first_touch',
  'last_touch',
  'linear',
  'position_based',
  'time_decay',
  'markov',
  'markov_2',
  'markov_3',
  'last_non_direct',
  'shapley',
] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

/**
 * What a touchpoint's key is read from: `context.campaign.<field>` (UTM parameters), or `channel`:
 * the channel grouping of its source, medium and referrer (channels.ts).
 */
export const ATTRIBUTION_KEYS = [
  'source',
  'medium',
  'campaign',
  'content',
  'term',
  'channel',
] as const;
export type AttributionKey = (typeof ATTRIBUTION_KEYS)[number];

/**
 * Tailor's own touchpoints attribution can count besides page events: clicks in journey emails
 * (`Email Link Clicked`) and clicks on decisions (`Decision Clicked`).
 */
export const OWN_TOUCHPOINTS = ['email_clicks', 'decision_clicks'] as const;
export type OwnTouchpoint = (typeof OWN_TOUCHPOINTS)[number];

/** position_based: the first and the last touchpoint take 40 % each, the ones between share 20 %. */
export const POSITION_BASED_ENDS = 0.4;
/** time_decay: a touchpoint's weight halves every this many days before the conversion. */
export const DEFAULT_HALF_LIFE_DAYS = 7;
/** The key given to page events without the key, when `unkeyed` is `direct`. */
export const DIRECT_KEY = '(direct)';

/** `POST /v1/reports/attribution`'s body, declared once (the route and the OpenAPI document use it). */
export const AttributionRequest = Type.Object(
  {
    conversion: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'The track event that is a conversion',
    }),
    by: Type.Enum(ATTRIBUTION_KEYS, {
      description: `A touchpoint's key: its page event's \`context.campaign.<by>\` (UTM parameter; \`campaign\` reads \`context.campaign.name\`), or \`channel\`, the channel grouping of its source, medium and referrer: ${ATTRIBUTION_KEYS.join(', ')}`,
    }),
    channels: Type.Optional(
      Type.Array(ChannelRule, {
        maxItems: MAX_CHANNEL_RULES,
        description:
          'With `by` channel: rules tried in order before the stored rules and the default grouping, a source or medium (exact, any case) naming a channel',
      }),
    ),
    models: Type.Array(
      Type.Enum(ATTRIBUTION_MODELS, { description: ATTRIBUTION_MODELS.join(', ') }),
      { minItems: 1, maxItems: ATTRIBUTION_MODELS.length, uniqueItems: true },
    ),
    lookbackDays: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 3650,
        description:
          'Only touchpoints this many days before a conversion count (default: all earlier)',
      }),
    ),
    weight: Type.Optional(
      Type.Union([Type.Literal('conversions'), Type.Literal('revenue')], {
        description:
          'What shares count: conversions (default) or their value, `properties.revenue` (missing = 0)',
      }),
    ),
    halfLifeDays: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 3650,
        description: `time_decay's half-life in days (default ${DEFAULT_HALF_LIFE_DAYS})`,
      }),
    ),
    paths: Type.Optional(
      Type.Union([Type.Literal('all'), Type.Literal('since_conversion')], {
        description:
          "A conversion's path: every earlier touchpoint (`all`, default) or only those since the person's previous conversion",
      }),
    ),
    ownTouchpoints: Type.Optional(
      Type.Array(Type.Enum(OWN_TOUCHPOINTS), {
        uniqueItems: true,
        description:
          "Tailor's own touchpoints counted besides page events: `email_clicks` (a journey email's link clicked: source `tailor`, medium `email`, campaign the journey, channel Email) and `decision_clicks` (`Decision Clicked`: source `tailor`, medium `personalization`, campaign the placement, content the item, channel Personalization). Default none",
      }),
    ),
    unkeyed: Type.Optional(
      Type.Union([Type.Literal('ignore'), Type.Literal('direct')], {
        description: `Page events without the key: not touchpoints (\`ignore\`, default) or touchpoints keyed \`${DIRECT_KEY}\``,
      }),
    ),
  },
  { additionalProperties: false },
);
export type AttributionRequest = Static<typeof AttributionRequest>;

const Shares = Type.Record(Type.String(), Type.Number(), {
  description: "Each key's share of the credit, fractions summing to 1 (keys with none left out)",
});

export const ModelResult = Type.Object({
  shares: Shares,
  credit: Type.Record(Type.String(), Type.Number(), {
    description: "Each key's credit in conversions (or in value when weighted by revenue)",
  }),
  removalEffects: Type.Optional(
    Type.Record(Type.String(), Type.Number(), {
      description: 'markov: 1 − P(conversion without the key) / P(conversion), before normalizing',
    }),
  ),
  conversionProbability: Type.Optional(
    Type.Number({ description: 'markov: P(conversion) from the start state of the fitted chain' }),
  ),
});
export type ModelResult = Static<typeof ModelResult>;

/** What the attribution answers: per model the shares, and what they were computed from. */
export const AttributionResult = Type.Object({
  models: Type.Record(Type.String(), ModelResult),
  conversions: Type.Integer({ description: 'Conversions counted (each conversion event once)' }),
  attributedConversions: Type.Integer({
    description: 'Conversions with at least one touchpoint in their path (the ones shares split)',
  }),
  conversionsWithoutTouchpoints: Type.Integer({
    description: 'Conversions with an empty path: left out of every share',
  }),
  value: Type.Number({ description: 'Total weight split: conversions, or their summed revenue' }),
  convertingPaths: Type.Integer(),
  nonConvertingPaths: Type.Integer(),
  touchpoints: Type.Integer({ description: 'Touchpoints read (repeats included)' }),
  people: Type.Integer({ description: 'People with a touchpoint or a conversion (after consent)' }),
});
export type AttributionResult = Static<typeof AttributionResult>;
