/** Emails are compared and stored trimmed and lower-cased (the whole address, as CDPs do). */
export function normalizeEmail(value: string): string {
  return value.trim().toLowerCase();
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function looksLikeEmail(value: string): boolean {
  return EMAIL_SHAPE.test(value);
}
