import type { RecommenderBody } from '@tailor/core';

export type Method = RecommenderBody['method'];
export type PartMethod = Exclude<Method, 'blend'>;
export type BoostKind = 'text' | 'number' | 'boolean';

export const METHODS: readonly Method[] = [
  'ease',
  'item-knn',
  'bought-together',
  'popularity',
  'content',
  'blend',
];
export const PART_METHODS: readonly PartMethod[] = [
  'ease',
  'item-knn',
  'bought-together',
  'popularity',
  'content',
];

export interface PartFields {
  method: PartMethod;
  weight: string;
}

export interface BoostFields {
  field: string;
  value: string;
  kind: BoostKind;
  factor: string;
}

/** A recommender as the editor holds it: every setting as typed (numbers as text). */
export interface RecommenderFields {
  method: Method;
  parts: PartFields[];
  /** Event names, one a line; empty for the default events. */
  events: string;
  halfLifeDays: string;
  k: string;
  availableOnly: boolean;
  maxPerCategory: string;
  boosts: BoostFields[];
  hnsw: { m: string; efConstruction: string; efSearch: string };
  description: string;
}

const text = (n: number | undefined) => (n === undefined ? '' : String(n));

/** The editor's fields for a stored recommender (or a body). */
export function fieldsOf(body: RecommenderBody): RecommenderFields {
  return {
    method: body.method,
    parts: (body.blend ?? []).map((p) => ({ method: p.method, weight: text(p.weight) })),
    events: (body.events ?? []).join('\n'),
    halfLifeDays: text(body.halfLifeDays),
    k: text(body.k),
    availableOnly: body.rules?.availableOnly ?? true,
    maxPerCategory: text(body.rules?.maxPerCategory),
    boosts: (body.rules?.boosts ?? []).map((b) => ({
      field: b.field,
      value: String(b.value),
      kind:
        typeof b.value === 'number' ? 'number' : typeof b.value === 'boolean' ? 'boolean' : 'text',
      factor: String(b.factor),
    })),
    hnsw: {
      m: text(body.hnsw?.m),
      efConstruction: text(body.hnsw?.efConstruction),
      efSearch: text(body.hnsw?.efSearch),
    },
    description: body.description ?? '',
  };
}

/** Whether the index settings apply: a content recommender, or a blend with a content part. */
export function hasIndex(fields: Pick<RecommenderFields, 'method' | 'parts'>): boolean {
  return (
    fields.method === 'content' ||
    (fields.method === 'blend' && fields.parts.some((p) => p.method === 'content'))
  );
}

/** A number as typed: the number when it is one, else the text (for the API to refuse). */
function numberOf(typed: string): number | string {
  const trimmed = typed.trim();
  const n = Number(trimmed);
  return trimmed !== '' && Number.isFinite(n) ? n : trimmed;
}

function boostValue(boost: BoostFields): unknown {
  if (boost.kind === 'number') return numberOf(boost.value);
  if (boost.kind === 'boolean') return boost.value.trim() === 'true';
  return boost.value;
}

/**
 * The body `PUT /v1/recommenders/NAME` takes. Nothing is checked here: what the API refuses comes
 * back naming its field, shown there. Empty fields are left out (the API's defaults); the parts
 * go only with a blend and the index settings only where an index applies, so a setting hidden by
 * the method chosen is never sent.
 */
export function bodyOf(fields: RecommenderFields): Record<string, unknown> {
  const body: Record<string, unknown> = { method: fields.method };
  if (fields.method === 'blend') {
    body.blend = fields.parts.map((p) =>
      p.weight.trim() === ''
        ? { method: p.method }
        : { method: p.method, weight: numberOf(p.weight) },
    );
  }
  const events = fields.events
    .split('\n')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (events.length > 0) body.events = events;
  if (fields.halfLifeDays.trim() !== '') body.halfLifeDays = numberOf(fields.halfLifeDays);
  if (fields.k.trim() !== '') body.k = numberOf(fields.k);
  const rules: Record<string, unknown> = {};
  if (!fields.availableOnly) rules.availableOnly = false;
  if (fields.maxPerCategory.trim() !== '') rules.maxPerCategory = numberOf(fields.maxPerCategory);
  if (fields.boosts.length > 0) {
    rules.boosts = fields.boosts.map((b) => ({
      field: b.field.trim(),
      value: boostValue(b),
      factor: numberOf(b.factor),
    }));
  }
  if (Object.keys(rules).length > 0) body.rules = rules;
  if (hasIndex(fields)) {
    const hnsw: Record<string, unknown> = {};
    for (const key of ['m', 'efConstruction', 'efSearch'] as const)
      if (fields.hnsw[key].trim() !== '') hnsw[key] = numberOf(fields.hnsw[key]);
    if (Object.keys(hnsw).length > 0) body.hnsw = hnsw;
  }
  if (fields.description.trim() !== '') body.description = fields.description;
  return body;
}

/** The fields a refusal can name, as the editor keys them. */
const FIELDS = new Set([
  'method',
  'blend',
  'events',
  'halfLifeDays',
  'k',
  'rules.availableOnly',
  'rules.maxPerCategory',
  'rules.boosts',
  'hnsw',
  'hnsw.m',
  'hnsw.efConstruction',
  'hnsw.efSearch',
  'description',
]);

/**
 * The editor's field a refusal names, from the schema's `body.rules.boosts.0.factor: …` or the
 * service's `blend: …`: `blend.N.weight`, `rules.boosts.N.field` and the like, else the group
 * (`blend`, `rules.boosts`, `hnsw`); undefined when it names none (shown above the buttons).
 */
export function refusedField(message: string): string | undefined {
  const path = /^(?:body\.)?([A-Za-z0-9_.[\]]+):/.exec(message)?.[1];
  if (path === undefined) return undefined;
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  const [head, second, third, fourth] = parts;
  if (head === 'blend' && second !== undefined && /^\d+$/.test(second))
    return `blend.${second}.${third === 'method' ? 'method' : 'weight'}`;
  if (head === 'rules' && second === 'boosts' && third !== undefined && /^\d+$/.test(third))
    return `rules.boosts.${third}.${fourth === 'field' || fourth === 'value' ? fourth : 'factor'}`;
  if (head === 'events') return 'events';
  const joined = parts.slice(0, 2).join('.');
  if (FIELDS.has(joined)) return joined;
  return head !== undefined && FIELDS.has(head) ? head : undefined;
}
