import type { PlacementBody } from '@tailor/core';

/** A window's unit as the API writes it (`7d`). */
export type CapUnit = 's' | 'm' | 'h' | 'd' | 'w';
const CAP_UNITS: readonly CapUnit[] = ['s', 'm', 'h', 'd', 'w'];

/** A variant's own template, for an item that runs an experiment. */
export interface VariantFields {
  id: string;
  template: string;
}

/** One item as the form edits it; `rest` keeps what the form has no field for (score). */
export interface ItemFields {
  id: string;
  when: string;
  /** As typed: '' leaves it out (0), anything else is sent as a number, or as typed when it is none. */
  priority: string;
  template: string;
  override: boolean;
  /** The schedule's bounds as a `datetime-local` input holds them (the browser's time zone); '' none. */
  scheduleStart: string;
  scheduleEnd: string;
  /** The frequency cap: at most `capMax` times per `capEvery` `capUnit`s; both '' for none. */
  capMax: string;
  capEvery: string;
  capUnit: CapUnit;
  /** The experiment the item runs ('' none) and the variants' own templates. */
  experiment: string;
  variants: VariantFields[];
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

const ITEM_FIELDS = new Set([
  'id',
  'when',
  'priority',
  'template',
  'override',
  'schedule',
  'cap',
  'experiment',
  'variants',
]);
const PLACEMENT_FIELDS = new Set(['description', 'items', 'default']);

/** The names of what an item holds beyond the form's fields, for the form to say so. */
export function otherFields(item: ItemFields): string[] {
  return Object.keys(item.rest).sort();
}

export function emptyItem(): ItemFields {
  return {
    id: '',
    when: '',
    priority: '',
    template: '',
    override: false,
    scheduleStart: '',
    scheduleEnd: '',
    capMax: '',
    capEvery: '',
    capUnit: 'd',
    experiment: '',
    variants: [],
    rest: {},
  };
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
      const per = /^(\d+)([smhdw])$/.exec(item.cap?.per ?? '');
      return {
        id: item.id,
        when: item.when ?? '',
        priority: item.priority === undefined ? '' : String(item.priority),
        template: item.template,
        override: item.override === true,
        scheduleStart: localInputOf(item.schedule?.start),
        scheduleEnd: localInputOf(item.schedule?.end),
        capMax: item.cap === undefined ? '' : String(item.cap.max),
        capEvery: per?.[1] ?? item.cap?.per ?? '',
        capUnit: (per?.[2] as CapUnit | undefined) ?? 'd',
        experiment: item.experiment ?? '',
        variants: Object.entries(item.variants ?? {}).map(([id, template]) => ({ id, template })),
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
    if (item.scheduleStart.trim() !== '' || item.scheduleEnd.trim() !== '') {
      const schedule: Record<string, string> = {};
      if (item.scheduleStart.trim() !== '') schedule.start = instantOf(item.scheduleStart);
      if (item.scheduleEnd.trim() !== '') schedule.end = instantOf(item.scheduleEnd);
      out.schedule = schedule;
    }
    if (item.capMax.trim() !== '' || item.capEvery.trim() !== '') {
      const max = Number(item.capMax.trim());
      out.cap = {
        max: item.capMax.trim() !== '' && Number.isFinite(max) ? max : item.capMax,
        per: `${item.capEvery.trim()}${item.capUnit}`,
      };
    }
    if (item.experiment.trim() !== '') out.experiment = item.experiment.trim();
    if (item.variants.length > 0)
      out.variants = Object.fromEntries(item.variants.map((v) => [v.id.trim(), v.template]));
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

/** The units a cap's window may be counted in, for the form's choice. */
export const capUnits = CAP_UNITS;

/**
 * An ISO 8601 instant as a `datetime-local` input shows it: the browser's local time, to the
 * second (`2026-12-01T09:00:00`). Text that is no date is kept as it is, for the API to refuse.
 */
export function localInputOf(iso: string | undefined): string {
  if (iso === undefined) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(at.getFullYear()).padStart(4, '0')}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

/** A `datetime-local` value (the browser's local time) as the ISO 8601 instant the API takes. */
export function instantOf(local: string): string {
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? local : at.toISOString();
}
