import { scrubPersonalData } from '@tailor/core';

/**
 * An error as one line for the logs, without the personal data its message may quote (emails,
 * phones, query strings): the background's and the CLI's counterpart of the HTTP log serializer.
 */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return scrubPersonalData(text);
}
