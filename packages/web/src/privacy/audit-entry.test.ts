import { describe, expect, it } from 'vitest';
import { erasureRows, type AuditEntry } from './audit-entry.js';

const entry = (
  id: number,
  action: string,
  profileId: string | undefined,
  status: number | null,
): AuditEntry => ({
  id,
  at: `2026-12-05T10:00:${String(id).padStart(2, '0')}.000Z`,
  key: 'ops',
  role: status === null ? null : 'admin',
  action,
  target: `profile:${profileId ?? '?'}`,
  ...(profileId !== undefined && { profileId }),
  method: status === null ? null : 'POST',
  route: status === null ? null : '/v1/privacy/erase',
  status,
  ip: null,
});

describe('erasureRows', () => {
  it.each([
    ['none', [], [], []],
    [
      'one waiting',
      [entry(3, 'privacy.erase.requested', 'p1', 202)],
      [],
      [{ profileId: 'p1', requestedAt: '2026-12-05T10:00:03.000Z', requestedBy: 'ops' }],
    ],
    [
      'one carried out',
      [entry(3, 'privacy.erase.requested', 'p1', 202)],
      [entry(5, 'privacy.erase.completed', 'p1', null)],
      [
        {
          profileId: 'p1',
          requestedAt: '2026-12-05T10:00:03.000Z',
          requestedBy: 'ops',
          completedAt: '2026-12-05T10:00:05.000Z',
        },
      ],
    ],
    [
      'refused requests left out, newest first, a completion recorded before its request',
      [
        entry(2, 'privacy.erase.requested', 'p1', 202),
        entry(4, 'privacy.erase.requested', undefined, 404),
        entry(7, 'privacy.erase.requested', 'p2', 202),
      ],
      [entry(6, 'privacy.erase.completed', 'p2', null)],
      [
        {
          profileId: 'p2',
          requestedAt: '2026-12-05T10:00:07.000Z',
          requestedBy: 'ops',
          completedAt: '2026-12-05T10:00:06.000Z',
        },
        { profileId: 'p1', requestedAt: '2026-12-05T10:00:02.000Z', requestedBy: 'ops' },
      ],
    ],
  ])('%s', (_name, requested, completed, rows) => {
    expect(erasureRows(requested, completed)).toEqual(rows);
  });
});
