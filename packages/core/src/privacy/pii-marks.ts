/**
 * Fields marked personal, as a tree of field names: `true` marks the field and everything under
 * it, an object marks some of the fields under it. Arrays are transparent: a mark under an array's
 * field applies to each of its items.
 */
export interface PiiMarks {
  readonly [field: string]: PiiMarks | true;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The fields a tracking plan's JSON Schema marks with `"pii": true`, read through `properties`,
 * array `items` and the branches of `allOf`, `anyOf` and `oneOf` (not through `$ref`). Undefined
 * when it marks none.
 */
export function piiMarks(schema: unknown): PiiMarks | undefined {
  if (!isObject(schema)) return undefined;
  let marks: PiiMarks | undefined;
  if (isObject(schema.properties)) {
    const found = tree();
    for (const [field, sub] of Object.entries(schema.properties)) {
      const inner = isObject(sub) && sub.pii === true ? true : piiMarks(sub);
      if (inner !== undefined) found[field] = inner;
    }
    if (Object.keys(found).length > 0) marks = found;
  }
  marks = mergeMarks(marks, piiMarks(schema.items));
  for (const branches of [schema.allOf, schema.anyOf, schema.oneOf]) {
    if (Array.isArray(branches))
      for (const branch of branches) marks = mergeMarks(marks, piiMarks(branch));
  }
  return marks;
}

/** Marks from dotted paths (`traits.loyalty.card`), each marking the field it ends at. */
export function marksAt(paths: readonly string[]): PiiMarks | undefined {
  let marks: PiiMarks | undefined;
  for (const path of paths) {
    const mark = path
      .split('.')
      .reverse()
      .reduce<PiiMarks | true>((inner, field) => Object.assign(tree(), { [field]: inner }), true);
    if (mark !== true) marks = mergeMarks(marks, mark);
  }
  return marks;
}

/** The mark under one field, if any (own fields only: a tree has no prototype to inherit from). */
export function markOf(marks: PiiMarks | undefined, field: string): PiiMarks | true | undefined {
  return marks !== undefined && Object.hasOwn(marks, field) ? marks[field] : undefined;
}

/** The dotted paths a tree marks, for showing them. */
export function markedPaths(marks: PiiMarks | undefined, prefix = ''): string[] {
  if (marks === undefined) return [];
  return Object.entries(marks).flatMap(([field, inner]) =>
    inner === true ? [`${prefix}${field}`] : markedPaths(inner, `${prefix}${field}.`),
  );
}

/** An empty tree without a prototype, so any field name (`__proto__`, `constructor`) is a plain key. */
function tree(): Record<string, PiiMarks | true> {
  return Object.create(null) as Record<string, PiiMarks | true>;
}

function mergeMarks(a: PiiMarks | undefined, b: PiiMarks | undefined): PiiMarks | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const merged = Object.assign(tree(), a);
  for (const [field, inner] of Object.entries(b)) {
    const mine = merged[field];
    merged[field] =
      mine === undefined
        ? inner
        : mine === true || inner === true
          ? true
          : (mergeMarks(mine, inner) ?? true);
  }
  return merged;
}
