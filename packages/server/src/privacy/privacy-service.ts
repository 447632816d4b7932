import { TailorError } from '@tailor/core';
import type { AuditEntry } from '../audit/audit.schema.js';
import type { EventLog } from '../log/event-log.js';
import type { ProfileService } from '../profiles/profile-service.js';
import type { AuditLog } from '../store/audit-log.js';
import type { MembershipStore, ProfileReader } from '../store/profile-store.js';
import { requestErasure, type ErasureAccepted } from './request-erasure.js';
import type { Suppressions } from './suppressions.js';

export interface PrivacyServiceDeps {
  profiles: ProfileService;
  store: ProfileReader & Pick<MembershipStore, 'history'>;
  log: EventLog;
  audit: AuditLog;
  suppressions: Suppressions;
  /** Everything that compiles the suppression list reads it again, here and on other nodes. */
  suppressionsChanged: () => Promise<void>;
  /** Moves the definitions generation between an erasure's suppressions and its instruction (request-erasure.ts). */
  fence?: () => Promise<unknown>;
  now: () => number;
  /** Tells the background that the log has something new to carry out. */
  wake: () => void;
  /** A person was suppressed for erasure: what learnt from everyone (recommenders) learns again without them. */
  erasureRequested: () => void;
}

/**
 * Data subject requests by `TYPE:VALUE`: export everything held about a person, erase them (their
 * identifiers suppressed at once, the rest carried out in log order), and an admin lifting a
 * suppression. A malformed identifier is a 400, one nobody holds a 404.
 */
export class PrivacyService {
  constructor(private readonly deps: PrivacyServiceDeps) {}

  /**
   * Everything held about one person, for a data subject's access request: the profile (traits
   * with provenance, computed traits, segments, consent), identifiers, merges, every event (the
   * merged profiles' included, in log order), segment memberships over time, the decisions and
   * experiment exposures among the events, and the audit log's entries about them.
   */
  async export(identifier: string): Promise<Record<string, unknown>> {
    const { profiles, store } = this.deps;
    const stored = await profiles.holder(identifier);
    const [profile, events] = await Promise.all([
      profiles.read(stored.id, true),
      profiles.allEvents(stored.id),
    ]);
    return {
      identifier,
      exportedAt: new Date(this.deps.now()).toISOString(),
      profile,
      merges: await store.merges(stored.id),
      consent: stored.consent,
      memberships: await store.history(stored.id),
      decisions: events.filter((e) => e.event === 'Decision Made'),
      experiments: events.filter((e) => e.event === 'Experiment Viewed'),
      events,
      audit: await this.auditOf([stored.id, ...(profile?.mergedIds ?? [])]),
    };
  }

  /**
   * Erases the person holding `identifier`. Their identifiers are suppressed first, so nothing sent
   * from now on is kept; then the request takes its place in the log, naming only the profile, and
   * the pipeline carries it out when it gets there.
   */
  async erase(identifier: string, requestedBy: string): Promise<ErasureAccepted> {
    const stored = await this.deps.profiles.holder(identifier);
    const accepted = await requestErasure(this.deps, stored.id, requestedBy);
    this.deps.wake();
    this.deps.erasureRequested();
    return accepted;
  }

  /** Lifts an erased identifier's suppression (an admin's decision; nothing a message says lifts one). */
  async unsuppress(identifier: string): Promise<void> {
    const parsed = this.deps.profiles.parse(identifier);
    if (!(await this.deps.suppressions.lift(parsed)))
      throw new TailorError('not_found', `${identifier} is not suppressed`);
    await this.deps.suppressionsChanged();
  }

  /** The audit entries about the person and the profiles merged into theirs, newest first. */
  private async auditOf(profileIds: string[]): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for (let before: number | undefined; ;) {
      const page = await this.deps.audit.list({ profileIds, before, limit: 1000 });
      entries.push(...page.entries);
      if (page.next === null) return entries;
      before = page.next;
    }
  }
}
