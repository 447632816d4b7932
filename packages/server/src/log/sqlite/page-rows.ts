/**
 * Cursor paging over a query that asked for `limit + 1` rows: the page, and the cursor of its
 * last row when the extra row shows there is more (null on the last page).
 */
export function pageRows<T, C>(
  rows: readonly T[],
  limit: number,
  cursorOf: (row: T) => C,
): { page: T[]; next: C | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
