import {
  announcementOf,
  type GraphChanges,
  type IdentifierRef,
  type StoredMessage,
} from '@tailor/core';
import type { SealedValues } from '../../privacy/sealed-values.js';
import type { PgQueryable } from '../../storage/postgres/pg-database.js';
import { bytes } from './pg-bytes.js';

/**
 * Writes segment memberships, their history, time-based re-evaluation timers, and the entry and
 * exit events (and journey stage changes) to announce (the outbox), in the fold's transaction. `identifiersOf` reads a
 * profile's identifiers (opened, sorted) for the announcements.
 */
export function pgMembershipWriter(
  sealed: SealedValues,
  identifiersOf: (client: PgQueryable, profileId: string) => Promise<IdentifierRef[]>,
) {
  return async (client: PgQueryable, changes: GraphChanges): Promise<void> => {
    for (const m of changes.memberships) {
      if (m.entered) {
        await client.query(
          `INSERT INTO segment_members (segment, profile_id, since) VALUES ($1, $2, $3)
           ON CONFLICT (segment, profile_id) DO UPDATE SET since = EXCLUDED.since`,
          [m.segment, m.profileId, m.at],
        );
      } else {
        await client.query('DELETE FROM segment_members WHERE segment = $1 AND profile_id = $2', [
          m.segment,
          m.profileId,
        ]);
      }
      const { rows } = await client.query<{ seq: number }>(
        'INSERT INTO segment_history (segment, profile_id, entered, at, cause) VALUES ($1, $2, $3, $4, $5) RETURNING seq',
        [m.segment, m.profileId, m.entered, m.at, m.cause],
      );
      if (m.cause === 'merge') continue; // the person lives on in the surviving profile
      const ids = await identifiersOf(client, m.profileId);
      const first = (type: string) => ids.find((i) => i.type === type)?.value ?? null;
      const message: StoredMessage = {
        type: 'track',
        messageId: `segment:${String(rows[0]?.seq)}`,
        event: m.entered ? 'Segment Entered' : 'Segment Exited',
        userId: first('userId'),
        anonymousId: first('anonymousId'),
        properties: { segment: m.segment, profileId: m.profileId, cause: m.cause },
        timestamp: m.at,
        receivedAt: m.at,
        context: {},
        tailor: { source: 'segments' },
      };
      await client.query('INSERT INTO log_outbox (message) VALUES ($1)', [
        bytes(sealed.outbox.seal(message)),
      ]);
    }
    for (const a of changes.announced) {
      const ids = await identifiersOf(client, a.profileId);
      const first = (type: string) => ids.find((i) => i.type === type)?.value ?? null;
      const message = announcementOf(a, {
        userId: first('userId'),
        anonymousId: first('anonymousId'),
      });
      await client.query('INSERT INTO log_outbox (message) VALUES ($1)', [
        bytes(sealed.outbox.seal(message)),
      ]);
    }
    for (const [profileId, due] of changes.timers) {
      if (due === null)
        await client.query('DELETE FROM profile_timers WHERE profile_id = $1', [profileId]);
      else
        await client.query(
          `INSERT INTO profile_timers (profile_id, due_at) VALUES ($1, $2)
           ON CONFLICT (profile_id) DO UPDATE SET due_at = EXCLUDED.due_at`,
          [profileId, due],
        );
    }
  };
}

/**
 * Erases a person's memberships, history, timer and pending announcements (their profile ids in
 * `family`), inside the profile store's erasing transaction: these tables are this module's.
 */
export async function erasePgMemberships(
  client: PgQueryable,
  sealed: SealedValues,
  family: readonly string[],
): Promise<void> {
  for (const table of ['segment_members', 'segment_history', 'profile_timers'])
    await client.query(`DELETE FROM ${table} WHERE profile_id = ANY($1::text[])`, [family]);
  // Pending announcements are sealed: read them to find the family's (the outbox is short).
  const outbox = await client.query<{ seq: number; message: Buffer }>(
    'SELECT seq, message FROM log_outbox',
  );
  for (const { seq, message } of outbox.rows) {
    const announced = sealed.outbox.open(message);
    const owner = announced.properties?.profileId;
    if (typeof owner === 'string' && family.includes(owner))
      await client.query('DELETE FROM log_outbox WHERE seq = $1', [seq]);
  }
}
