import type { StoredMessage } from '../events/events.schema.js';
import { normalizeEmail } from '../events/normalize-email.js';
import { err, ok, type Result } from '../result/result.js';
import type { IdentifierRef, IdentityRules } from './identity.schema.js';

/** Where the built-in types are read, besides the top-level userId and anonymousId. */
const BUILT_IN_PATHS: Record<string, readonly string[]> = {
  email: ['traits.email', 'context.traits.email'],
  phone: ['traits.phone', 'context.traits.phone'],
};

/**
 * The identifiers a message carries, in rule (priority) order, without repeats. Values were
 * normalized at collection (emails lower-cased, phones in E.164); emails are normalized again here
 * so that values read from custom paths compare equal too.
 *
 * An alias's `previousId` is returned separately: its type is whatever it is already known as,
 * which only the identity graph can tell.
 */
export function extractIdentifiers(
  message: StoredMessage,
  rules: IdentityRules,
): { identifiers: IdentifierRef[]; previousId?: string } {
  const identifiers: IdentifierRef[] = [];
  const seen = new Set<string>();
  const add = (type: string, raw: unknown): void => {
    const value = identifierValue(type, raw);
    if (value === undefined) return;
    const key = `${type}\u0000${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    identifiers.push({ type, value });
  };
  for (const rule of rules) {
    if (rule.type === 'userId') add('userId', message.userId);
    else if (rule.type === 'anonymousId') add('anonymousId', message.anonymousId);
    for (const path of BUILT_IN_PATHS[rule.type] ?? []) add(rule.type, readPath(message, path));
    for (const path of rule.paths ?? []) add(rule.type, readPath(message, path));
  }
  return message.type === 'alias' &&
    typeof message.previousId === 'string' &&
    message.previousId !== ''
    ? { identifiers, previousId: message.previousId }
    : { identifiers };
}

function identifierValue(type: string, raw: unknown): string | undefined {
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  if (typeof raw !== 'string') return undefined;
  const value = type === 'email' ? normalizeEmail(raw) : raw.trim();
  return value === '' || value.length > 1024 ? undefined : value;
}

/** Reads `a.b.c` from a message; undefined when any step is missing or not an object. */
export function readPath(source: unknown, path: string): unknown {
  let current = source;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
      return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Reads `TYPE:VALUE` (split at the first colon), with the value normalized as collection does, so
 * `email: Ann@Example.com ` finds what was stored. Phones are normalized by the caller's function.
 */
export function parseIdentifier(
  text: string,
  normalizePhoneValue: (value: string) => string | undefined,
): Result<IdentifierRef> {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    return err(`identifier must be TYPE:VALUE (for example email:ann@example.com), not "${text}"`);
  }
  const type = text.slice(0, colon).trim();
  const raw = text.slice(colon + 1);
  const value =
    type === 'phone' ? (normalizePhoneValue(raw) ?? raw.trim()) : identifierValue(type, raw);
  if (value === undefined || value === '') return err(`identifier value is empty in "${text}"`);
  return ok({ type, value });
}
