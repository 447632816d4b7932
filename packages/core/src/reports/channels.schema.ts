import { Type, type Static } from 'typebox';

/** A user's rule, tried before the defaults: a source or medium (exact, any case) names a channel. */
export const ChannelRule = Type.Object(
  {
    channel: Type.String({ minLength: 1, maxLength: 100, description: 'The channel it names' }),
    sources: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 100,
        description: 'UTM sources (or referring hosts) that are this channel, any case',
      }),
    ),
    mediums: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 100,
        description: 'UTM mediums that are this channel, any case',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ChannelRule = Static<typeof ChannelRule>;

/** At most this many channel rules, given or stored. */
export const MAX_CHANNEL_RULES = 50;

export const ChannelRules = Type.Array(ChannelRule, {
  maxItems: MAX_CHANNEL_RULES,
  description:
    'Rules tried in order before the default grouping, a source or medium (exact, any case) naming a channel',
});

/** `PUT /v1/channel-rules`'s body: the rules that replace the stored ones. */
export const ChannelRulesBody = Type.Object(
  { rules: ChannelRules },
  { additionalProperties: false },
);
export type ChannelRulesBody = Static<typeof ChannelRulesBody>;

/** The stored channel rules as `GET /v1/channel-rules` answers them. */
export const ChannelRulesResult = Type.Object({
  rules: ChannelRules,
  updatedAt: Type.Union([Type.String(), Type.Null()], {
    description: 'When they were last replaced; null: never (no rules)',
  }),
  defaults: Type.Array(Type.String(), {
    description: 'The default grouping’s channels, tried after the rules',
  }),
});
export type ChannelRulesResult = Static<typeof ChannelRulesResult>;
