import type { StoredMessage } from '@tailor/core';

/** A property's value as a breakdown names it: text, or null when absent or not a scalar. */
export function propertyText(message: StoredMessage, property: string): string | null {
  const value: unknown = (message.properties ?? {})[property];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : null;
}
