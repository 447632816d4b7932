import { PiiMode } from '@tailor/core';
import { Type, type Static } from 'typebox';

/** The destination types: a webhook, or a PostgreSQL warehouse kept current (docs/warehouse.md). */
export const DestinationType = Type.Union([Type.Literal('webhook'), Type.Literal('warehouse')]);

/** What a destination is defined with (PUT /v1/destinations/NAME). */
export const DestinationBody = Type.Object(
  {
    type: DestinationType,
    url: Type.String({
      minLength: 8,
      maxLength: 2048,
      pattern: '^(https?|postgres|postgresql)://',
      description:
        'A webhook: where events are POSTed (http or https); redirects are not followed. A warehouse: its PostgreSQL connection URL, password included (kept sealed, shown back without the password). Internal addresses (loopback, private, link-local...) are refused unless the operator allows them in destinations.allowInternal',
    }),
    events: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        minItems: 1,
        description:
          'Track event names to deliver (`Segment Entered`, `Segment Exited` included); `*` for all (a warehouse: every message, identifies and pages included; its default). Required for a webhook',
      }),
    ),
    secret: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 256,
        description:
          'A webhook (required): the HMAC-SHA256 key. X-Tailor-Signature is the hex digest of the body; Tailor-Signature is `t=SECONDS,v1=HEX`, HEX the digest of `SECONDS.BODY` (refuse old t to refuse replays)',
      }),
    ),
    schema: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        pattern: '^[a-z_][a-z0-9_]*$',
        description:
          'A warehouse: the PostgreSQL schema it writes (created if missing); the destination name in lower snake case by default',
      }),
    ),
    purpose: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'The consent purpose this destination serves (default `marketing` for a webhook, `analytics` for a warehouse): people who refused it are not sent',
      }),
    ),
    pii: Type.Optional(PiiMode),
    batchSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 500,
        description:
          'Most events per POST when several are waiting. 1 (a webhook\'s default): each event alone as the body. Above 1: `{"batch": [event...]}`. A warehouse loads up to this many messages per transaction (default 500)',
      }),
    ),
    history: Type.Optional(
      Type.Boolean({
        description:
          'A warehouse only, when it is created: load every event the log holds, not only those appended from now on (a replay, in the background, at the usual batch size)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DestinationBody = Static<typeof DestinationBody>;

export const DestinationView = Type.Object({
  name: Type.String(),
  type: DestinationType,
  url: Type.String(),
  schema: Type.Optional(Type.String()),
  events: Type.Array(Type.String()),
  batchSize: Type.Integer(),
  purpose: Type.String(),
  pii: PiiMode,
  createdAt: Type.String(),
  updatedAt: Type.String(),
  deliveries: Type.Object({
    pending: Type.Integer(),
    delivered: Type.Integer(),
    failed: Type.Integer(),
  }),
});
export type DestinationView = Static<typeof DestinationView>;

export const DeliveryView = Type.Object({
  id: Type.Integer(),
  messageId: Type.String(),
  event: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()], {
    description:
      'Why the last attempt failed, as a class (`HTTP 503`, `timed out`, `connection refused or unreachable`, `refused: private address`...): details are in the server log',
  }),
  createdAt: Type.String(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
});
export type DeliveryView = Static<typeof DeliveryView>;

export const DestinationName = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' }),
});

/** GET /v1/destinations: its 200 answer. */
export const DestinationList = Type.Object({ items: Type.Array(DestinationView) });

/** GET /v1/destinations/:name/deliveries: the querystring. */
export const DeliveriesQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 100' })),
  },
  { additionalProperties: false },
);

/** GET /v1/destinations/:name/deliveries: its 200 answer. */
export const DeliveriesPage = Type.Object({ deliveries: Type.Array(DeliveryView) });
