import {
  maskLeaf,
  maskMessage,
  maskTraits,
  MASKED,
  type PiiPolicy,
  type StoredMessage,
} from '@tailor/core';

type Json = Record<string, unknown>;

/** The parts of a message whose fields are masked by name; anything there that is not an object is masked whole. */
const CONTAINERS = new Set(['traits', 'properties', 'context']);
/** Segment's top-level fields, none personal (ids are pseudonymous, as everywhere in Tailor); `name` only names a page or a screen. */
const MESSAGE_FIELDS = new Set([
  'type',
  'userId',
  'anonymousId',
  'previousId',
  'groupId',
  'event',
  'category',
  'messageId',
  'timestamp',
  'originalTimestamp',
  'sentAt',
  'receivedAt',
  'integrations',
  'channel',
  'version',
  'writeKey',
]);

/**
 * A rejected line's message, for the rejects file, with its personal values replaced by
 * `[masked]` (core's rules: default personal fields, tracking-plan marks, context locators). A
 * rejected message may be malformed anywhere: where a container is not an object its value is
 * masked whole, as nothing in it can be told personal or not, and fields Segment does not define
 * (`{"email": …, "name": …}` at the top) are masked by name as a person's traits are.
 */
export function maskRejectedMessage(message: Json, policy: PiiPolicy): Json {
  const known: Json = {};
  const extra: Json = {};
  for (const [field, value] of Object.entries(message)) {
    if (CONTAINERS.has(field)) known[field] = value === null || isObject(value) ? value : MASKED;
    else if (
      MESSAGE_FIELDS.has(field) ||
      (field === 'name' && (message.type === 'page' || message.type === 'screen'))
    )
      known[field] = value;
    else
      Object.defineProperty(extra, field, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      }); // even `__proto__`
  }
  const masked = mask({ ...known, context: isObject(known.context) ? known.context : {} }, policy);
  if (!('context' in known)) delete masked.context;
  const extras = maskTraits(extra, policy, maskLeaf);
  return { ...masked, ...extras };
}

function mask(message: Json, policy: PiiPolicy): Json {
  const masked = maskMessage(
    { ...message, tailor: {} } as unknown as StoredMessage,
    policy,
    maskLeaf,
  ) as unknown as Json;
  delete masked.tailor; // a copy: maskMessage shares unchanged parts, never the top object
  return masked;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
