import { Compile } from 'typebox/compile';
import { err, ok, type Result } from '../result/result.js';
import { MESSAGE_SCHEMAS, MESSAGE_TYPES, type MessageType } from './events.schema.js';

const checkers = Object.fromEntries(
  MESSAGE_TYPES.map((type) => [type, Compile(MESSAGE_SCHEMAS[type])]),
) as { [K in MessageType]: ReturnType<typeof Compile<(typeof MESSAGE_SCHEMAS)[K]>> };

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value);
}

function isPresent(id: unknown): boolean {
  return id !== undefined && id !== null && id !== '';
}

/**
 * Checks one message against its type's schema and the Segment rules a schema cannot say.
 * The reason names the field (`properties: must be object`).
 */
export function validateMessage(raw: Record<string, unknown>, type: MessageType): Result<true> {
  const checker = checkers[type];
  if (!checker.Check(raw)) {
    const first = checker.Errors(raw)[0];
    const field = first?.instancePath
      ? first.instancePath.slice(1).replaceAll('/', '.')
      : 'message';
    return err(`${field}: ${first?.message ?? 'is invalid'}`);
  }
  if (type !== 'alias' && !isPresent(raw.userId) && !isPresent(raw.anonymousId)) {
    return err(`${type} needs a userId or an anonymousId`);
  }
  return ok(true);
}
