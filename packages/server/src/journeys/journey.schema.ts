import { Type, type Static, type TSchema } from 'typebox';

/** A step of a journey (PUT /v1/journeys/NAME): a wait, an email, or a branch on a segment expression. */
const StepRef = Type.Unsafe<JourneyStep>(Type.Ref('JourneyStep'));

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
export const IfStep = Type.Object(
  {
    if: Type.String({ description: 'A segment expression evaluated on the profile' }),
    then: Type.Array(StepRef),
    else: Type.Optional(Type.Array(StepRef)),
  },
  { additionalProperties: false },
);

export type JourneyStep =
  | Static<typeof WaitStep>
  | Static<typeof EmailStep>
  | { if: string; then: JourneyStep[]; else?: JourneyStep[] };

export const JourneyStepSchema: TSchema = Type.Union([WaitStep, EmailStep, IfStep], {
  $id: 'JourneyStep',
});

/** What a journey is defined with. */
export const JourneyBody = Type.Object(
  {
    entry: Type.Object({ event: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    steps: Type.Array(StepRef),
  },
  { additionalProperties: false },
);
export type JourneyBody = Static<typeof JourneyBody>;
