import { Type, type Static, type TSchema } from 'typebox';

/** How deeply `if` steps may nest in the schema (compiled journeys allow no more). */
export const MAX_BRANCH_DEPTH = 4;

/** A step of a journey (PUT /v1/journeys/NAME): a wait, an email, or a branch on a segment expression. */

export const WaitStep = Type.Object(
  { wait: Type.String({ description: 'A duration such as "2s", "15m", "3d"' }) },
  { additionalProperties: false },
);
export const EmailStep = Type.Object(
  {
    email: Type.Object(
      { subject: Type.String(), html: Type.String() },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type JourneyStep =
  | Static<typeof WaitStep>
  | Static<typeof EmailStep>
  | { if: string; then: JourneyStep[]; else?: JourneyStep[] };

/** The steps schema, nesting `if` up to `depth` levels (declared without references so /openapi.json shows it whole). */
function stepsSchema(depth: number): TSchema {
  const variants: TSchema[] = [WaitStep, EmailStep];
  if (depth > 0)
    variants.push(
      Type.Object(
        {
          if: Type.String({ description: 'A segment expression evaluated on the profile' }),
          then: stepsSchema(depth - 1),
          else: Type.Optional(stepsSchema(depth - 1)),
        },
        { additionalProperties: false },
      ),
    );
  return Type.Array(Type.Union(variants), { maxItems: 100 });
}

/** What a journey is defined with. */
export const JourneyBody = Type.Object(
  {
    entry: Type.Object({ event: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    steps: Type.Unsafe<JourneyStep[]>(stepsSchema(MAX_BRANCH_DEPTH)),
  },
  { additionalProperties: false },
);
export type JourneyBody = Static<typeof JourneyBody>;

/** What GET /v1/journeys/NAME/stats answers: per step path (`0`, `1.then.0`), entered, waiting and done. */
export const JourneyStats = Type.Object({
  steps: Type.Record(
    Type.String(),
    Type.Object({ entered: Type.Integer(), waiting: Type.Integer(), done: Type.Integer() }),
  ),
});
