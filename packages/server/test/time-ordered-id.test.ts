import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../src/log/time-ordered-id.js';

describe('time-ordered message ids (UUID version 7)', () => {
  it('are RFC 9562 version 7 UUIDs carrying the time, and sort in time order', () => {
    const at = Date.UTC(2026, 10, 29, 20, 15, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
    const ids = Array.from({ length: 1000 }, (_, i) => timeOrderedId(at + i * 7));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => timeOrderedId(at))).size).toBe(1000);
  });
});
