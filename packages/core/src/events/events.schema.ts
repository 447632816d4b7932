import { Type, type Static, type TSchema } from 'typebox';

/**
 * The Segment Spec message types, declared once: these schemas validate requests (Fastify and the
 * per-message batch check use the same compiled form), give the TypeScript types, and are the
 * OpenAPI document's components.
 */

/** Identifiers: non-empty, bounded, no control characters. Numbers are accepted and become strings. */
const NO_CONTROL_CHARS = '^[^\\u0000-\\u001f\\u007f]+$';
export const Identifier = Type.Union(
  [Type.String({ minLength: 1, maxLength: 1024, pattern: NO_CONTROL_CHARS }), Type.Number()],
  { description: 'A string without control characters (1-1024 chars) or a number' },
);

/** userId and anonymousId: null or an empty string count as absent, as analytics clients send them. */
const AbsentOrIdentifier = Type.Union([Identifier, Type.Null(), Type.Literal('')]);

const JsonObject = Type.Record(Type.String(), Type.Unknown());
const DateText = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'An ISO 8601 date-time; normalized to UTC',
});

const common = {
  messageId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 256, pattern: NO_CONTROL_CHARS }),
  ),
  userId: Type.Optional(AbsentOrIdentifier),
  anonymousId: Type.Optional(AbsentOrIdentifier),
  timestamp: Type.Optional(DateText),
  sentAt: Type.Optional(DateText),
  originalTimestamp: Type.Optional(DateText),
  context: Type.Optional(JsonObject),
  integrations: Type.Optional(JsonObject),
  writeKey: Type.Optional(Type.String()),
};

function message<T extends Record<string, TSchema>>(type: string, fields: T, description: string) {
  return Type.Object(
    { type: Type.Optional(Type.Literal(type)), ...common, ...fields },
    { additionalProperties: true, description, title: `${type} message` },
  );
}

const ID_RULE = 'Needs userId or anonymousId.';

export const TrackMessage = message(
  'track',
  { event: Type.String({ minLength: 1, maxLength: 512 }), properties: Type.Optional(JsonObject) },
  `A user action. ${ID_RULE}`,
);
export const IdentifyMessage = message(
  'identify',
  { traits: Type.Optional(JsonObject) },
  `Who the user is. ${ID_RULE}`,
);
export const PageMessage = message(
  'page',
  {
    name: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
    category: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
    properties: Type.Optional(JsonObject),
  },
  `A web page view. ${ID_RULE}`,
);
export const ScreenMessage = message(
  'screen',
  {
    name: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
    category: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
    properties: Type.Optional(JsonObject),
  },
  `An app screen view. ${ID_RULE}`,
);
export const GroupMessage = message(
  'group',
  { groupId: Identifier, traits: Type.Optional(JsonObject) },
  `Associates the user with a group (company, account). ${ID_RULE}`,
);
export const AliasMessage = message(
  'alias',
  { previousId: Identifier, userId: Identifier },
  'Links a previous identity (previousId) to userId.',
);

export const MESSAGE_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MESSAGE_SCHEMAS = {
  track: TrackMessage,
  identify: IdentifyMessage,
  page: PageMessage,
  screen: ScreenMessage,
  group: GroupMessage,
  alias: AliasMessage,
} as const satisfies Record<MessageType, TSchema>;

export const BatchRequest = Type.Object(
  {
    batch: Type.Array(Type.Unknown(), {
      description:
        'Messages, each with a `type` and the fields of that type; each is validated on its own and an invalid one is listed in `rejected`. An empty batch stores nothing and answers 200, as Segment does',
    }),
    context: Type.Optional(JsonObject),
    integrations: Type.Optional(JsonObject),
    sentAt: Type.Optional(DateText),
    writeKey: Type.Optional(Type.String()),
  },
  { additionalProperties: true, title: 'Batch request' },
);
export type BatchRequest = Static<typeof BatchRequest>;

export const Rejection = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  reason: Type.String(),
});
export type Rejection = Static<typeof Rejection>;

export const CollectResponse = Type.Object(
  {
    success: Type.Boolean(),
    stored: Type.Integer({ description: 'Messages newly written to the log' }),
    duplicates: Type.Integer({ description: 'Messages whose messageId was already stored' }),
    rejected: Type.Array(Rejection),
    withheld: Type.Optional(
      Type.Integer({
        description:
          'Valid messages not stored because they refuse analytics consent (privacy.withoutAnalytics = drop)',
      }),
    ),
  },
  { title: 'Collect response' },
);
export type CollectResponse = Static<typeof CollectResponse>;

/** The source of the `Decision Made` events decide records. */
export const DECIDE_SOURCE = 'decide';
/** The source of the `Experiment Viewed` exposures the experiments record. */
export const EXPERIMENTS_SOURCE = 'experiments';

/** What Tailor keeps about a message besides the Segment fields. */
export interface MessageMeta {
  /**
   * Who sent it: `key:NAME` for an API key, `import:FILE` for a bulk import, DECIDE_SOURCE and
   * EXPERIMENTS_SOURCE for what Tailor records itself.
   */
  source: string;
  /** Values as they arrived, by dotted path, where normalization changed them. */
  originals?: Record<string, unknown>;
  /** Tracking-plan rules the message broke (stored anyway in `allow` mode). */
  violations?: string[];
  /**
   * Set only by the server, never from a client: an instruction to merge two profiles that share
   * no identifier (a probabilistic match accepted above the threshold or by a reviewer).
   */
  merge?: { profiles: [string, string]; reason: string };
  /**
   * Set only by the server: an instruction to erase a person (a data subject's request), carried
   * out by the pipeline when it reaches this point of the log. Names the profile, nothing personal.
   */
  erase?: { profileId: string; requestId: string };
  /** Set only by the server: the request carried `Sec-GPC: 1`, an opt-out of advertising. */
  gpc?: true;
  /**
   * Set only by the server: the message refused analytics consent and was stored stripped of its
   * identifiers (privacy.withoutAnalytics = strip); it belongs to nobody and no profile uses it.
   */
  anonymized?: true;
}

/** A message as stored in the log: the Segment fields, normalized, plus what the server adds. */
export interface StoredMessage {
  type: MessageType;
  messageId: string;
  userId: string | null;
  anonymousId: string | null;
  timestamp: string;
  receivedAt: string;
  sentAt?: string;
  originalTimestamp?: string;
  event?: string;
  name?: string | null;
  category?: string | null;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  groupId?: string;
  previousId?: string;
  context: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  tailor: MessageMeta;
  [extra: string]: unknown;
}
