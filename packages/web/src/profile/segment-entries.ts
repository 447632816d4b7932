/** One row of `GET /v1/profiles/ID/memberships`: a segment entered or left, and why. */
export interface Membership {
  segment: string;
  profileId: string;
  entered: boolean;
  at: string;
  cause: string;
}

export interface SegmentEntry {
  segment: string;
  /** When the person last entered it; undefined when the history holds no entry for it. */
  at?: string;
  cause?: string;
}

export interface SegmentEntries {
  /** The segments the person is in now, by name, each with its latest entry. */
  current: SegmentEntry[];
  /** Segments entered once and left since, with when they were left, the latest first. */
  left: SegmentEntry[];
}

/**
 * The profile's segments with when each was entered, from the membership history (oldest first,
 * as the API answers): the latest entry of each segment counts, an exit after it ends it.
 */
export function segmentEntries(
  current: readonly string[],
  history: readonly Membership[],
): SegmentEntries {
  const latest = new Map<string, Membership>();
  for (const change of history) latest.set(change.segment, change);
  const now = new Set(current);
  const entry = (segment: string): SegmentEntry => {
    const change = latest.get(segment);
    return change?.entered === true ? { segment, at: change.at, cause: change.cause } : { segment };
  };
  const left = [...latest.values()]
    .filter((change) => !change.entered && !now.has(change.segment))
    .map(({ segment, at, cause }) => ({ segment, at, cause }))
    .sort((a, b) => b.at.localeCompare(a.at) || a.segment.localeCompare(b.segment));
  return { current: [...current].sort((a, b) => a.localeCompare(b)).map(entry), left };
}
