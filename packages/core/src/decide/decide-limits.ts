/**
 * Placements one decide request may name. Each decision is recorded in the log (a `Decision Made`
 * event), so the count bounds what one request writes; a page asks for the few it shows.
 */
export const MAX_DECIDE_PLACEMENTS = 20;
