/**
 * The fields that hold personal data when no tracking plan says more. Segment's reserved traits
 * that name or reach a person (`address` is an object: its street, city, postal code… go with it),
 * matched by name at any depth of `traits`, `context.traits` and `properties`.
 */
export const PII_FIELDS = [
  'email',
  'phone',
  'firstName',
  'lastName',
  'username',
  'address',
  'birthday',
] as const;

/**
 * Personal only as a top-level trait of a person (Segment's full `name`): in properties `name` is
 * a product's or a page's, and in a group's traits the company's.
 */
export const PII_TRAITS = ['name'] as const;

/** Paths of `context` that locate or single out a device or a person. */
export const PII_CONTEXT_PATHS = [
  'ip',
  'location.latitude',
  'location.longitude',
  'device.advertisingId',
] as const;

/** A field name as matched against the lists: case, `_`, `-` and spaces ignored (`first_name` is `firstName`). */
export function fieldKey(name: string): string {
  return name.replace(/[\s_-]/g, '').toLowerCase();
}

const FIELD_KEYS: ReadonlySet<string> = new Set(PII_FIELDS.map(fieldKey));
const TRAIT_KEYS: ReadonlySet<string> = new Set([...PII_FIELDS, ...PII_TRAITS].map(fieldKey));

/** True when a field of that name is personal wherever it is found. */
export function isPiiField(name: string): boolean {
  return FIELD_KEYS.has(fieldKey(name));
}

/** True when a top-level trait of a person of that name is personal. */
export function isPiiTrait(name: string): boolean {
  return TRAIT_KEYS.has(fieldKey(name));
}

/** Identifier types whose values are personal data (`email`, `phone`…); `userId`, `anonymousId` and custom ids are not. */
export function isPiiIdentifierType(type: string): boolean {
  return isPiiField(type);
}
