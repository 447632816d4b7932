import { Type, type Static } from 'typebox';

/**
 * A tracking plan: a JSON Schema for one event's properties (target `event:NAME`) or for identify
 * traits (target `traits`). In `allow` mode a violating message is stored and the violation
 * counted; in `block` mode it is rejected with the reason. A field with `"pii": true` is personal
 * data, masked like the default personal fields (privacy/pii-policy.ts).
 */
export const TrackingPlanBody = Type.Object(
  {
    mode: Type.Union([Type.Literal('allow'), Type.Literal('block')], { default: 'allow' }),
    schema: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'JSON Schema (draft 2020-12) for the properties or traits object. `"pii": true` on a field marks it personal: masked for destinations and non-admin readers (docs/pii-masking.md)',
    }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { title: 'Tracking plan body', additionalProperties: false },
);
export type TrackingPlanBody = Static<typeof TrackingPlanBody>;

export const TrackingPlan = Type.Object(
  {
    target: Type.String({ description: '`event:NAME` or `traits`' }),
    mode: Type.Union([Type.Literal('allow'), Type.Literal('block')]),
    schema: Type.Record(Type.String(), Type.Unknown()),
    description: Type.Optional(Type.String()),
    updatedAt: Type.String(),
  },
  { title: 'Tracking plan' },
);
export type TrackingPlan = Static<typeof TrackingPlan>;

export const Violation = Type.Object(
  {
    event: Type.String({ description: 'The event name, or `$identify` for identify traits' }),
    rule: Type.String({ description: 'The field and the JSON Schema keyword it broke' }),
    count: Type.Integer(),
    firstSeenAt: Type.String(),
    lastSeenAt: Type.String(),
    example: Type.String({ description: 'The validator message of the latest violation' }),
  },
  { title: 'Violation' },
);
export type Violation = Static<typeof Violation>;

export const TRAITS_TARGET = 'traits';
export const IDENTIFY_EVENT = '$identify';

export function eventTarget(event: string): string {
  return `event:${event}`;
}
