import { Type, type Static } from 'typebox';
import {
  DEFAULT_IDENTITY_RULES,
  DEFAULT_PURPOSES,
  IdentifierRule,
  TraitPolicy,
} from '@tailor/core';
import { RateLimit } from '../keys/keys.schema.js';
import { FrequencyCap, QuietHours } from '../journeys/journey.schema.js';

/** Everything Tailor can be configured with. Sources, lowest first: defaults, file, env, flags. */
export const Config = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 7700 }),
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    dataDir: Type.String({ minLength: 1, default: '.tailor' }),
    defaultRegion: Type.String({
      pattern: '^[A-Z]{2}$',
      default: 'US',
      description: 'ISO 3166-1 alpha-2 region for reading national phone numbers',
    }),
    logLevel: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info' },
    ),
    demo: Type.Boolean({
      default: false,
      description: 'Load generated demo data into an empty log',
    }),
    writeKey: Type.Optional(
      Type.String({
        minLength: 16,
        description: 'A write key registered at start (TAILOR_WRITE_KEY); at least 16 characters',
      }),
    ),
    adminKey: Type.Optional(
      Type.String({
        minLength: 16,
        description: 'An admin key registered at start (TAILOR_ADMIN_KEY); at least 16 characters',
      }),
    ),
    smtpUrl: Type.Optional(
      Type.String({
        pattern: '^smtps?://',
        description: 'Where journeys send email (TAILOR_SMTP_URL), such as smtp://HOST:PORT',
      }),
    ),
    emailFrom: Type.Optional(
      Type.String({
        minLength: 3,
        description: 'The From of journey emails (TAILOR_EMAIL_FROM)',
      }),
    ),
    publicUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^/?#]+(/[^?#]*)?$',
        description:
          "Tailor's address as people's browsers and mail clients reach it (TAILOR_PUBLIC_URL), such as https://tailor.example.com: emails' unsubscribe links point there",
      }),
    ),
    storage: Type.Object(
      {
        postgres: Type.Optional(
          Type.Object(
            {
              url: Type.String({
                minLength: 1,
                description:
                  'postgres://user:password@host:port/database (TAILOR_POSTGRES_URL, --postgres)',
              }),
              schema: Type.String({
                pattern: '^[a-z_][a-z0-9_]{0,62}$',
                default: 'tailor',
                description:
                  "The schema holding this installation's tables (TAILOR_POSTGRES_SCHEMA): several installations can share a database",
              }),
              maxConnections: Type.Integer({
                minimum: 1,
                maximum: 1000,
                default: 10,
                description: "Connections in each process's pool",
              }),
            },
            { additionalProperties: false },
          ),
        ),
        nats: Type.Optional(
          Type.Object(
            {
              url: Type.String({
                minLength: 1,
                description:
                  'nats://host:port, or several separated by commas (TAILOR_NATS_URL, --nats)',
              }),
              prefix: Type.String({
                pattern: '^[A-Za-z0-9_-]{1,64}$',
                default: 'tailor',
                description:
                  'Prefixes every stream, consumer and subject name (TAILOR_NATS_PREFIX): several installations can share a NATS server',
              }),
              replicas: Type.Integer({
                minimum: 1,
                maximum: 5,
                default: 1,
                description:
                  'Copies of each event in a NATS cluster; with 3, an acknowledged event is on a quorum',
              }),
              partitions: Type.Integer({
                minimum: 1,
                maximum: 1024,
                default: 16,
                description:
                  'Partitions of the event stream, fixed when it is created: the most nodes that fold at once',
              }),
              duplicateWindowMinutes: Type.Number({
                exclusiveMinimum: 0,
                default: 1440,
                description:
                  "JetStream's own dedup window by messageId; beyond it a table in PostgreSQL dedups",
              }),
              maxBytes: Type.Optional(
                Type.Integer({
                  minimum: 1,
                  description:
                    'The stream refuses events past this size (503 + Retry-After), never drops old ones',
                }),
              ),
              maxAgeDays: Type.Optional(
                Type.Number({
                  exclusiveMinimum: 0,
                  description: 'Events older than this leave the stream (retention)',
                }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Where state and the event log live: the embedded SQLite files in the data folder by default; PostgreSQL and NATS JetStream (both given) to run several nodes as one installation',
      },
    ),
    http: Type.Object(
      {
        headersTimeoutMs: Type.Integer({
          minimum: 100,
          default: 10_000,
          description:
            "A request's headers not all received within this time: the connection is closed (408)",
        }),
        requestTimeoutMs: Type.Integer({
          minimum: 100,
          default: 30_000,
          description:
            'A request (headers and body) not all received within this time: the connection is closed (408)',
        }),
        keepAliveTimeoutMs: Type.Integer({
          minimum: 100,
          default: 72_000,
          description:
            'An idle keep-alive connection is closed after this long (above the usual 60 s of load balancers)',
        }),
        idleTimeoutMs: Type.Integer({
          minimum: 0,
          default: 120_000,
          description:
            'A connection on which nothing moved either way for this long is closed (0: never)',
        }),
        maxConnections: Type.Integer({
          minimum: 1,
          default: 10_000,
          description: 'Connections open at once; more are refused (closed at once)',
        }),
        maxRequestsPerSocket: Type.Integer({
          minimum: 0,
          default: 0,
          description:
            'Requests one keep-alive connection may carry before it is closed (0: no limit)',
        }),
        publicMetrics: Type.Boolean({
          default: false,
          description:
            'GET /metrics without a key, for a Prometheus scraping over a private network. Off by default: the port also faces the browsers that hold the public write key, and the metrics tell traffic and error rates, so they take a key that may read (Authorization: Bearer, viewer and above)',
        }),
        trustProxy: Type.Union(
          [Type.Boolean(), Type.Integer({ minimum: 1 }), Type.Array(Type.String({ minLength: 1 }))],
          {
            default: false,
            description:
              "Behind a proxy or load balancer: take the client address from X-Forwarded-For (true: trust every hop, N: the N nearest hops, or a list of the proxies' addresses and CIDR ranges). Per-address rate limits and the audit log use it",
          },
        ),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'The HTTP server: timeouts, connection limits, proxies',
      },
    ),
    limits: Type.Object(
      {
        messageBytes: Type.Integer({ minimum: 1024, default: 32 * 1024 }),
        batchBytes: Type.Integer({ minimum: 1024, default: 500 * 1024 }),
      },
      { default: {} },
    ),
    identity: Type.Object(
      {
        identifiers: Type.Array(IdentifierRule, {
          minItems: 1,
          default: DEFAULT_IDENTITY_RULES,
          description:
            'Identifier types in priority order, highest first, each with its limit per profile',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Identity resolution: identifier types, limits, priority',
      },
    ),
    profiles: Type.Object(TraitPolicy.properties, {
      default: {},
      additionalProperties: false,
      description: 'Trait merge policy: sources in priority order (patterns may end in *)',
    }),
    computedTraits: Type.Object(
      {
        rfmRefreshMinutes: Type.Number({
          exclusiveMinimum: 0,
          default: 60,
          description:
            'How often populations are computed again over everyone: the quintile cuts behind RFM scores, the models behind CLV',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Computed traits' },
    ),
    models: Type.Object(
      {
        rescoreHours: Type.Number({
          exclusiveMinimum: 0,
          default: 24,
          description:
            "How often every profile is scored again by each model's promoted version (features move with time alone); a person's new events rescore them at once",
        }),
        registryCheckSeconds: Type.Number({
          minimum: 0,
          default: 5,
          description:
            'How often the scoring reads the model registry: a promotion, a rollback or a deleted model starts rescoring everyone within this time',
        }),
        purpose: Type.String({
          minLength: 1,
          maxLength: 64,
          pattern: '^[A-Za-z0-9_-]+$',
          default: 'analytics',
          description:
            'The consent purpose models serve, one of privacy.purposes: people who refused it (or analytics) are neither learnt from nor scored',
        }),
        scheduleCheckSeconds: Type.Number({
          minimum: 0,
          default: 60,
          description:
            "How often the models' schedules are read: a scheduled training or drift measurement starts within this time of being due",
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Registry models: how their scores on profiles are kept current',
      },
    ),
    recommendations: Type.Object(
      {
        retrainMinutes: Type.Number({
          exclusiveMinimum: 0,
          default: 60,
          description:
            'How often each recommender is trained again from the log (also on a change of its definition and on an erasure)',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Recommenders (docs/recommendations.md)',
      },
    ),
    privacy: Type.Object(
      {
        purposes: Type.Array(
          Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
          {
            minItems: 1,
            default: [...DEFAULT_PURPOSES],
            description:
              'The purposes consent is kept for (analytics and personalization are enforced by name)',
          },
        ),
        withoutAnalytics: Type.Union([Type.Literal('drop'), Type.Literal('strip')], {
          default: 'drop',
          description:
            'A message refusing analytics consent: not stored (drop), or stored without its identifiers (strip)',
        }),
        suppressionKey: Type.Optional(
          Type.String({
            minLength: 16,
            description:
              'Key of the hashes that remember erased people; else one is made in the data folder',
          }),
        ),
        encryption: Type.Object(
          {
            enabled: Type.Boolean({
              default: true,
              description:
                'Encrypt personal data at rest (AES-256-GCM) and look identifiers up by a blind index',
            }),
            keyFile: Type.Optional(
              Type.String({
                minLength: 1,
                description:
                  'The keyring file (TAILOR_ENCRYPTION_KEY_FILE); default encryption.keys in the data folder, made on first start',
              }),
            ),
            keys: Type.Optional(
              Type.String({
                minLength: 2,
                description:
                  'The keyring itself, as the key file holds it (TAILOR_ENCRYPTION_KEYS); wins over keyFile',
              }),
            ),
          },
          { default: {}, additionalProperties: false, description: 'Encryption at rest' },
        ),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Consent, erasure and encryption at rest',
      },
    ),
    keys: Type.Object(
      {
        rateLimits: Type.Object(
          {
            write: Type.Optional(RateLimit),
            viewer: Type.Optional(RateLimit),
            marketer: Type.Optional(RateLimit),
            admin: Type.Optional(RateLimit),
          },
          {
            default: {},
            additionalProperties: false,
            description:
              'Each role\'s default limit, e.g. {"viewer": {"max": 20}}; a key\'s own limit overrides it. None by default',
          },
        ),
        writeRateLimitPerIp: Type.Union([RateLimit, Type.Null()], {
          default: { max: 1000, windowSeconds: 10 },
          description:
            'Requests with a write key from one client address, counted per key and address (null: no limit)',
        }),
        failedAuthPerIp: Type.Object(RateLimit.properties, {
          default: { max: 20, windowSeconds: 60 },
          additionalProperties: false,
          description:
            'Requests with an unknown or revoked key from one client address; past it, requests from there answer 429 without their key being checked',
        }),
      },
      { default: {}, additionalProperties: false, description: 'API keys' },
    ),
    audit: Type.Object(
      {
        retentionDays: Type.Integer({
          minimum: 1,
          default: 730,
          description: 'Audit entries older than this are deleted (at start and daily)',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'The audit log (audit.sqlite in the data folder)',
      },
    ),
    journeys: Type.Object(
      {
        frequencyCap: Type.Optional(FrequencyCap),
        quietHours: Type.Optional(QuietHours),
        timeZone: Type.String({
          minLength: 1,
          default: 'UTC',
          description:
            'The time zone of quiet hours for people whose traits.timezone is missing or not an IANA name',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Rules for every journey email: a global frequency cap (at most N marketing emails a person in a window, over all journeys) and quiet hours',
      },
    ),
    reports: Type.Object(
      {
        indexMaxEvents: Type.Integer({
          minimum: 0,
          default: 100_000_000,
          description:
            'Funnels and retention read an in-memory index of the reports projection (about 10 bytes an event, 8 a person, twice that while it is regrouped) while it holds at most this many events; 0: none, they read DuckDB (docs/reports.md)',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Funnels, retention and other reports',
      },
    ),
    destinations: Type.Object(
      {
        allowInternal: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
          default: [],
          description:
            'Internal addresses webhooks may reach, refused otherwise (loopback, private, link-local...): CIDR ranges ("10.0.0.0/8", "::1/128"), addresses, or host names ("hooks.internal", matched exactly, whatever they resolve to)',
        }),
        timeoutMs: Type.Integer({
          minimum: 100,
          default: 10_000,
          description:
            'A webhook request (connect, answer and body) taking longer fails as "timed out"',
        }),
        concurrency: Type.Integer({
          minimum: 1,
          maximum: 256,
          default: 8,
          description: 'Requests in flight per destination: a slow destination holds only its own',
        }),
        deliveryRetentionDays: Type.Integer({
          minimum: 1,
          default: 30,
          description:
            'Delivered and failed delivery records created longer ago are deleted (at start and hourly); pending ones are kept',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Webhook destinations' },
    ),
    decide: Type.Object(
      {
        budgetMs: Type.Number({
          exclusiveMinimum: 0,
          default: 50,
          description: 'A decision slower than this serves the default item',
        }),
        recordRetentionDays: Type.Integer({
          minimum: 1,
          default: 90,
          description:
            'Decision records (`Decision Made` events) received longer ago are deleted from the log (at start and hourly)',
        }),
        cacheProfiles: Type.Integer({
          minimum: 1,
          default: 200_000,
          description: 'Profiles decide keeps in memory (least recently used dropped)',
        }),
        identitySecret: Type.Optional(
          Type.String({
            minLength: 32,
            description:
              "Identity verification (TAILOR_IDENTITY_SECRET): a site's backend signs each userId with it (hex HMAC-SHA256) as `userHash`, and decisions asked with the write key and a valid hash see the person's personal traits. Else one is made in the data folder (identity.key); several nodes of one installation need the same one",
          }),
        ),
        holdout: Type.Object(
          {
            share: Type.Number({
              minimum: 0,
              maximum: 1,
              default: 0,
              description: 'Share of people who never get personalized decisions',
            }),
            seed: Type.String({
              minLength: 1,
              default: 'tailor-global-holdout',
              description: 'Changing it draws a new holdout',
            }),
          },
          {
            default: {},
            additionalProperties: false,
            description: 'The global holdout, to measure the whole program against',
          },
        ),
      },
      { default: {}, additionalProperties: false, description: 'Real-time decisions' },
    ),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof Config>;
