import {
  normalizePhone,
  parseIdentifier,
  TailorError,
  type CountryCode,
  type StoredMessage,
} from '@tailor/core';
import type { AuditEntry } from '../audit/audit.schema.js';
import type { Tailor } from '../open-tailor.js';
import type { StoredProfile } from '../store/profile-store.js';
import { readProfile } from '../profiles/read-profile.js';

/**
 * Everything Tailor holds about one person, for a data subject's access request: the profile
 * (traits with provenance, computed traits, segments, consent), identifiers, merges, every event
 * (the merged profiles' included, in log order), segment memberships over time, the consent
 * history, the decisions and experiment exposures among the events, and the audit log's entries
 * about them (who read or changed their data).
 */
export async function exportPerson(
  tailor: Tailor,
  identifier: string,
): Promise<Record<string, unknown>> {
  const stored = await personOf(tailor, identifier);
  const profile = await readProfile(tailor.profiles, stored.id, {
    provenance: true,
    segments: tailor.definitions.segmentNames,
  });
  const events: StoredMessage[] = [];
  for (let after = 0; ;) {
    const page = await tailor.profiles.eventPositions(stored.id, after, 1000);
    events.push(...(await tailor.log.readPositions(page.positions)).map((e) => e.message));
    if (page.next === null) break;
    after = page.next;
  }
  return {
    identifier,
    exportedAt: new Date(tailor.now()).toISOString(),
    profile,
    merges: await tailor.profiles.merges(stored.id),
    consent: stored.consent,
    memberships: await tailor.profiles.history(stored.id),
    decisions: events.filter((e) => e.event === 'Decision Made'),
    experiments: events.filter((e) => e.event === 'Experiment Viewed'),
    events,
    audit: await auditOf(tailor, [stored.id, ...(profile?.mergedIds ?? [])]),
  };
}

/** The audit entries about the person and the profiles merged into theirs, newest first. */
async function auditOf(tailor: Tailor, profileIds: string[]): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let before: number | undefined; ;) {
    const page = await tailor.audit.list({ profileIds, before, limit: 1000 });
    entries.push(...page.entries);
    if (page.next === null) return entries;
    before = page.next;
  }
}

/** The profile a data subject request names by `TYPE:VALUE`: 400 when malformed, 404 when nobody holds it. */
export async function personOf(tailor: Tailor, identifier: string): Promise<StoredProfile> {
  const parsed = parseIdentifier(identifier, (v) =>
    normalizePhone(v, tailor.config.defaultRegion as CountryCode),
  );
  if (!parsed.ok) throw new TailorError('invalid_request', parsed.error);
  const stored = await tailor.profiles.byIdentifier(parsed.value);
  if (stored === undefined) throw new TailorError('not_found', `no profile holds ${identifier}`);
  return stored;
}
