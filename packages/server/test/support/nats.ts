import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export const TEST_NATS_URL = process.env.TAILOR_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A NATS name prefix of its own for one test (its streams are deleted at the end of the run). */
export function freshNatsPrefix(): string {
  return `${inject('natsPrefix')}_${randomBytes(4).toString('hex')}`;
}
