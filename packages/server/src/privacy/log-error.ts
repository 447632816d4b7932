import { scrubPersonalData } from '@tailor/core';

/**
 * Logs an error of background work (the pipeline, webhooks, decisions, checkpoints) as one JSON
 * line on stderr, without the personal data its message may quote (emails, phones, query
 * strings): the counterpart, off the request path, of the HTTP log serializer.
 */
export function logError(msg: string, error: unknown): void {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(JSON.stringify({ level: 'error', msg, err: scrubPersonalData(text) }));
}
