/**
 * The projection's events as a report reads them in SQL: `who` the person they count for (the
 * one merged into, through every merge; -1 when erased or refusing analytics, `owners` listing
 * only the people who are not their own), rows of persons left out dropped. `where`: a condition
 * on `name_id`.
 */
export function projectedEvents(columns: string, where: string): string {
  return `SELECT ${columns} FROM (
    SELECT coalesce(o.owner, e.person) AS who, e.position, e.at_ms, e.name_id
    FROM events e LEFT JOIN owners o ON o.person = e.person
    WHERE ${where}
  ) WHERE who >= 0`;
}

/** `name_id IN (...)` for these ids; FALSE for none. */
export function nameIn(ids: readonly (number | undefined)[]): string {
  const known = [...new Set(ids.filter((id) => id !== undefined))];
  return known.length === 0 ? 'FALSE' : `name_id IN (${known.join(',')})`;
}
