/** One entry of the audit log, as `GET /v1/audit` answers it. */
export interface AuditEntry {
  id: number;
  at: string;
  key: string;
  role: string | null;
  action: string;
  target: string;
  profileId?: string;
  method: string | null;
  route: string | null;
  status: number | null;
  ip: string | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  next: string | null;
}

/** An erasure asked for, and when the pipeline carried it out (undefined while it waits). */
export interface ErasureRow {
  profileId: string;
  requestedAt: string;
  requestedBy: string;
  completedAt?: string;
}

/**
 * Erasure requests from the audit log's two actions: `privacy.erase.requested` (the API accepted
 * it, 202) and `privacy.erase.completed` (the pipeline carried it out), matched by profile id,
 * newest request first. An erased profile id is never used again, so its one completion answers
 * every request for it (the completion may even be recorded before the request's own entry, which
 * is written when the answer is sent).
 */
export function erasureRows(requested: AuditEntry[], completed: AuditEntry[]): ErasureRow[] {
  const done = new Map<string, string>();
  for (const entry of completed) {
    if (entry.profileId !== undefined) done.set(entry.profileId, entry.at);
  }
  return requested
    .filter((entry) => entry.profileId !== undefined && entry.status === 202)
    .sort((a, b) => b.id - a.id)
    .map((entry) => {
      const profileId = entry.profileId ?? '';
      const row = { profileId, requestedAt: entry.at, requestedBy: entry.key };
      const completedAt = done.get(profileId);
      return completedAt === undefined ? row : { ...row, completedAt };
    });
}
