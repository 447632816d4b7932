import { describe, expect, it } from 'vitest';
import { parsePlacementText, placementRefusal, placementText } from './placement-json.js';

describe('parsePlacementText', () => {
  it.each([
    ['an object', '{"items": [], "default": {"id": "d", "template": "x"}}', undefined],
    ['a missing comma', '{\n  "items": []\n  "default": {}\n}', 18],
    ['a trailing comma', '{"items": [],}', 13],
    ['text cut short', '{"items": [', 11],
  ])('%s', (_name, text, position) => {
    const parsed = parsePlacementText(text);
    if (position === undefined) {
      expect(parsed.ok).toBe(true);
      return;
    }
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.refusal.message).toMatch(/^not JSON: /);
    expect(parsed.refusal.message).not.toMatch(/position/);
    expect(parsed.refusal.position).toBe(position);
  });

  it('refuses JSON that is not an object', () => {
    const parsed = parsePlacementText('[1, 2]');
    expect(parsed.ok ? undefined : parsed.refusal.message).toMatch(/is a JSON object/);
  });
});

describe('placementRefusal', () => {
  const body = { items: [{ id: 'a' }, { id: 'b', when: 'traits.plan = ' }] };
  it('marks the rule the segment language refused, at its position', () => {
    expect(placementRefusal('{…}', body, 'items[1].when: a value is missing', 14)).toEqual({
      message: 'items[1].when: a value is missing',
      text: 'traits.plan = ',
      position: 14,
    });
  });
  it('shows any other refusal over the whole text, unmarked', () => {
    expect(placementRefusal('{…}', body, 'items[1].id: b is used twice', undefined)).toEqual({
      message: 'items[1].id: b is used twice',
      text: '{…}',
    });
  });
});

describe('placementText', () => {
  it('is the body PUT takes, without the name and versions', () => {
    const text = placementText({
      name: 'hero',
      version: 3,
      createdAt: '2026-12-01T00:00:00.000Z',
      updatedAt: '2026-12-02T00:00:00.000Z',
      items: [],
      default: { id: 'd', template: 'x' },
    });
    expect(JSON.parse(text)).toEqual({ items: [], default: { id: 'd', template: 'x' } });
  });
});
