import type { AuditEntry, NewAuditEntry } from '../../audit/audit.schema.js';
import type { AuditFilter, AuditLog } from '../audit-log.js';

/** The audit log kept in memory, with the behaviour of the SQLite and PostgreSQL adapters. */
export function openMemoryAuditLog(): AuditLog {
  const entries: (NewAuditEntry & { id: number })[] = [];
  let nextId = 1;
  const matches = (e: NewAuditEntry & { id: number }, f: AuditFilter): boolean =>
    (f.action === undefined || e.action === f.action) &&
    (f.key === undefined || e.key === f.key) &&
    (f.profileIds === undefined ||
      (e.profileId !== undefined && f.profileIds.includes(e.profileId))) &&
    (f.since === undefined || e.at >= f.since) &&
    (f.until === undefined || e.at < f.until) &&
    (f.before === undefined || e.id < f.before);
  return {
    record(entry) {
      entries.push({ ...entry, id: nextId++ });
    },
    list(filter) {
      const found: AuditEntry[] = [];
      for (let i = entries.length - 1; i >= 0 && found.length <= filter.limit; i--) {
        const e = entries[i];
        if (e === undefined || !matches(e, filter)) continue;
        const { at, profileId, ...rest } = e;
        found.push({
          ...rest,
          at: new Date(at).toISOString(),
          ...(profileId !== undefined && { profileId }),
        });
      }
      const page = found.slice(0, filter.limit);
      const last = page[page.length - 1];
      return Promise.resolve({
        entries: page,
        next: found.length > filter.limit && last !== undefined ? last.id : null,
      });
    },
    prune(before) {
      const kept = entries.filter((e) => e.at >= before);
      const pruned = entries.length - kept.length;
      entries.splice(0, entries.length, ...kept);
      return Promise.resolve(pruned);
    },
    flush() {
      // Recorded at once: nothing is queued.
    },
    close: () => Promise.resolve(),
  };
}
