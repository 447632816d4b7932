import { describe, expect, it } from 'vitest';
import { requestErasure } from './request-erasure.js';

describe('requestErasure', () => {
  it('suppresses, then moves the definitions generation, then puts the instruction in the log', async () => {
    const done: string[] = [];
    const accepted = await requestErasure(
      {
        store: { identifiers: () => Promise.resolve([{ type: 'userId', value: 'erin' }]) },
        suppressions: {
          add: (identifiers) => {
            done.push(`suppress ${identifiers.map((i) => i.value).join(',')}`);
            return Promise.resolve();
          },
        },
        fence: () => {
          done.push('fence');
          return Promise.resolve();
        },
        log: {
          append: (messages) => {
            done.push(`append ${String(messages[0]?.tailor.erase?.profileId)}`);
            return Promise.resolve(messages.map(() => true));
          },
        },
        now: () => Date.parse('2026-12-01T00:00:00Z'),
      },
      'p-erin',
      'key:admin',
    );
    // A fold under the generation before the fence committed before the instruction, so the
    // erasure takes what it folded; one after it has read the new suppressions.
    expect(done).toEqual(['suppress erin', 'fence', 'append p-erin']);
    expect(accepted.profileId).toBe('p-erin');
  });
});
