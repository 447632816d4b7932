import type { PlacementBody } from '@tailor/core';

/** One item as the form edits it; `rest` keeps what the form has no field for (cap, schedule…). */
export interface ItemFields {
  id: string;
  when: string;
  /** As typed: '' leaves it out (0), anything else is sent as a number, or as typed when it is none. */
  priority: string;
  template: string;
  override: boolean;
  rest: Record<string, unknown>;
}

/** A placement as the form edits it; `rest` keeps `optimize` and `browserTraits` as they were. */
export interface PlacementFields {
  description: string;
  items: ItemFields[];
  defaultId: string;
  defaultTemplate: string;
  rest: Record<string, unknown>;
}

const ITEM_FIELDS = new Set(['id', 'when', 'priority', 'template', 'override']);
const PLACEMENT_FIELDS = new Set(['description', 'items', 'default']);

/** The names of what an item holds beyond the form's fields, for the form to say so. */
export function otherFields(item: ItemFields): string[] {
  return Object.keys(item.rest).sort();
}

export function emptyItem(): ItemFields {
  return { id: '', when: '', priority: '', template: '', override: false, rest: {} };
}

/** The form's fields for a placement as the API gives it (or as its JSON was typed). */
export function fieldsOf(body: Partial<PlacementBody>): PlacementFields {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!PLACEMENT_FIELDS.has(key)) rest[key] = value;
  }
  return {
    description: body.description ?? '',
    items: (body.items ?? []).map((item) => {
      const other: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(item)) {
        if (!ITEM_FIELDS.has(key)) other[key] = value;
      }
      return {
        id: item.id,
        when: item.when ?? '',
        priority: item.priority === undefined ? '' : String(item.priority),
        template: item.template,
        override: item.override === true,
        rest: other,
      };
    }),
    defaultId: body.default?.id ?? '',
    defaultTemplate: body.default?.template ?? '',
    rest,
  };
}

/**
 * The body `PUT /v1/placements/NAME` takes. Nothing is checked here: what the API refuses comes
 * back with the field it names, shown at that field. An empty rule or description is left out.
 */
export function bodyOf(fields: PlacementFields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (fields.description.trim() !== '') body.description = fields.description;
  body.items = fields.items.map((item) => {
    const out: Record<string, unknown> = { id: item.id };
    if (item.when.trim() !== '') out.when = item.when;
    const priority = item.priority.trim();
    if (priority !== '') {
      const number = Number(priority);
      out.priority = Number.isFinite(number) ? number : priority;
    }
    out.template = item.template;
    if (item.override) out.override = true;
    return { ...out, ...item.rest };
  });
  body.default = { id: fields.defaultId, template: fields.defaultTemplate };
  return { ...body, ...fields.rest };
}

/**
 * The form field a refusal names, as `items.N.FIELD`, `items.N`, `default.FIELD` or `description`,
 * from the service's `items[1].when: …` or the schema's `body.items.1.priority: …`; undefined when
 * it names none the form has (the message is then shown above the buttons).
 */
export function refusedField(message: string): string | undefined {
  const path = /^(?:body\.)?([A-Za-z0-9_.[\]]+):/.exec(message)?.[1];
  if (path === undefined) return undefined;
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  const [head, second, third] = parts;
  if (head === 'items' && second !== undefined && /^\d+$/.test(second)) {
    return third !== undefined && ITEM_FIELDS.has(third)
      ? `items.${second}.${third}`
      : `items.${second}`;
  }
  if (head === 'default' && (second === 'id' || second === 'template')) return `default.${second}`;
  if (head === 'default') return 'default.id';
  if (head === 'description') return 'description';
  return undefined;
}
