import { Compile } from 'typebox/compile';
import { CatalogItemInput, err, ok, type Result } from '@tailor/core';

const checkItem = Compile(CatalogItemInput);

/** The columns a catalogue CSV names (compared trimmed and lower-cased); any other is an attribute. */
const FIELDS = new Set([
  'id',
  'product_id',
  'sku',
  'name',
  'category',
  'brand',
  'price',
  'available',
]);
const TEXT_FIELDS = ['sku', 'name', 'category', 'brand'] as const;
const TRUE = new Set(['true', '1', 'yes', 'y']);
const FALSE = new Set(['false', '0', 'no', 'n']);
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * How a catalogue CSV's header maps to item fields (docs/recommendations.md, "Catalog"): `id` or
 * `product_id` (the first found, product_id first), sku, name, category, brand, price, available
 * (case and spaces around a name ignored); `attributes.NAME` and every other column an attribute
 * of that name. A header naming the id twice, or no id, is refused.
 */
export interface CatalogColumns {
  id: string;
  fields: Map<string, string>;
  attributes: Map<string, string>;
}

export function catalogColumns(header: readonly string[]): Result<CatalogColumns> {
  const fields = new Map<string, string>();
  const attributes = new Map<string, string>();
  for (const column of header) {
    const name = column.trim();
    const key = name.toLowerCase();
    if (name === '') continue;
    if (FIELDS.has(key)) {
      if (fields.has(key)) return err(`column ${key} is given twice`);
      fields.set(key, column);
      continue;
    }
    const attribute = key.startsWith('attributes.') ? name.slice('attributes.'.length) : name;
    if (attribute === '' || FORBIDDEN.has(attribute)) return err(`column ${name} is not allowed`);
    if (attributes.has(attribute)) return err(`attribute ${attribute} is given twice`);
    attributes.set(attribute, column);
  }
  const id = fields.get('product_id') ?? fields.get('id');
  if (id === undefined) return err('the header names no id column (id or product_id)');
  if (fields.has('product_id') && fields.has('id'))
    return err('the header names both id and product_id: keep one');
  return ok({ id, fields, attributes });
}

/**
 * One CSV row as a catalogue item, or the reason it cannot be one. An empty cell leaves its field
 * out (an item replaces the stored one whole, so it is then forgotten). `price` is a number ≥ 0;
 * `available` true/false, 1/0, yes/no (empty: true). An attribute reads `true`/`false` as a
 * boolean and a number written as JavaScript writes it back (`12`, `0.5`, not `012` or `1.50`)
 * as a number, anything else as text, so `0042` and `1.50` stay as written.
 */
export function catalogItemFromRow(
  row: Readonly<Record<string, string | undefined>>,
  columns: CatalogColumns,
): Result<CatalogItemInput> {
  const cell = (column: string | undefined): string | undefined => {
    if (column === undefined) return undefined;
    const value = row[column];
    return value === undefined || value === '' ? undefined : value;
  };
  const id = cell(columns.id);
  if (id === undefined) return err('no id');
  const item: CatalogItemInput = { id };
  for (const field of TEXT_FIELDS) {
    const value = cell(columns.fields.get(field));
    if (value !== undefined) item[field] = value;
  }
  const price = cell(columns.fields.get('price'));
  if (price !== undefined) {
    const n = Number(price.trim());
    if (price.trim() === '' || !Number.isFinite(n)) return err(`price: "${price}" is not a number`);
    item.price = n;
  }
  const available = cell(columns.fields.get('available'))?.trim().toLowerCase();
  if (available !== undefined) {
    if (TRUE.has(available)) item.available = true;
    else if (FALSE.has(available)) item.available = false;
    else return err(`available: "${available}" is not true or false`);
  }
  const attributes: Record<string, string | number | boolean> = {};
  let any = false;
  for (const [name, column] of columns.attributes) {
    const value = cell(column);
    if (value === undefined) continue;
    attributes[name] = attributeValue(value);
    any = true;
  }
  if (any) item.attributes = attributes;
  if (!checkItem.Check(item)) {
    const first = checkItem.Errors(item)[0];
    const at = first?.instancePath.replace(/^\//, '').replace(/\//g, '.') ?? '';
    return err(`${at === '' ? 'item' : at}: ${first?.message ?? 'invalid'}`);
  }
  return ok(item);
}

function attributeValue(cell: string): string | number | boolean {
  if (cell === 'true') return true;
  if (cell === 'false') return false;
  const n = Number(cell);
  return Number.isFinite(n) && String(n) === cell ? n : cell;
}
