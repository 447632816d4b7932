import type { PlacementBody } from '@tailor/core';
import type { Refusal } from '../components/refusal-message.js';

/** A placement as `GET /v1/placements` answers it: its definition, name and versions. */
export type StoredPlacement = PlacementBody & {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
};

/** What the editor starts from for a new placement: one rule-bound item and the default. */
export const NEW_PLACEMENT = `{
  "items": [
    {
      "id": "pro-offer",
      "when": "traits.plan = \\"pro\\"",
      "priority": 1,
      "template": "<p>Hello {{ traits.firstName | default: 'there' }}</p>"
    }
  ],
  "default": { "id": "welcome", "template": "<p>Welcome</p>" }
}`;

/** The definition as the editor shows it: what PUT takes, without the name and versions. */
export function placementText(stored: StoredPlacement): string {
  const body: Partial<StoredPlacement> = { ...stored };
  delete body.name;
  delete body.version;
  delete body.createdAt;
  delete body.updatedAt;
  return JSON.stringify(body, null, 2);
}

export type Parsed = { ok: true; body: unknown } | { ok: false; refusal: Refusal };

/**
 * Reads the editor's text as JSON, so a typing slip is shown at its place before anything is
 * sent: the engine's message names the character (`at position N`, V8), which is then marked.
 */
export function parsePlacementText(text: string): Parsed {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return {
        ok: false,
        refusal: {
          message: 'a placement is a JSON object: {"items": [...], "default": {...}}',
          text,
        },
      };
    }
    return { ok: true, body };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /at position (\d+)/.exec(message)?.[1];
    const position = at === undefined ? undefined : Number(at);
    // "Unexpected end of JSON input" names no position: the problem is at the end.
    const end = position === undefined && /end of JSON/i.test(message) ? text.length : undefined;
    return {
      ok: false,
      refusal: {
        message: `not JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
        text,
        position: position ?? end,
      },
    };
  }
}

/**
 * The server's refusal of a placement, shown where it points: a rule (`items[N].when`) the
 * segment language refused comes with the position in that rule, so the rule is what is marked;
 * any other refusal is its message over the whole text.
 */
export function placementRefusal(
  text: string,
  body: unknown,
  message: string,
  position: number | undefined,
): Refusal {
  const item = /^items\[(\d+)\]\.when:/.exec(message)?.[1];
  const items = (body as { items?: unknown }).items;
  const rule =
    item === undefined || !Array.isArray(items)
      ? undefined
      : (items[Number(item)] as { when?: unknown } | undefined)?.when;
  if (typeof rule === 'string' && position !== undefined) {
    return { message, text: rule, position };
  }
  return { message, text };
}
