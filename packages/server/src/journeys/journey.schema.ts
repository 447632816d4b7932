import { ExperimentResult } from '@tailor/core';
import { Type, type Static, type TSchema } from 'typebox';
import { WEEKDAYS } from './wait-until.js';

/** How deeply `if` and `waitFor` steps may nest in the schema (compiled journeys allow no more). */
export const MAX_BRANCH_DEPTH = 4;

const Duration = (description: string) =>
  Type.String({ pattern: '^\\d{1,6}(s|m|h|d|w)$', description });

/** A step of a journey (PUT /v1/journeys/NAME): a wait, an email, a webhook, a trait update, or a branch. */

export const WaitStep = Type.Object(
  { wait: Type.String({ description: 'A duration such as "2s", "15m", "3d"' }) },
  { additionalProperties: false },
);
export const EmailStep = Type.Object(
  {
    email: Type.Object(
      {
        subject: Type.String(),
        html: Type.String(),
        text: Type.Optional(
          Type.String({
            description:
              'The plain-text part (Liquid, as the HTML); the unsubscribe address is added when it names none. Without it the email is HTML alone',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export const WebhookStep = Type.Object(
  {
    webhook: Type.Object(
      {
        destination: Type.String({
          minLength: 1,
          description:
            'A destination (PUT /v1/destinations/NAME) the message is delivered through: its URL, secret, consent purpose and PII mode',
        }),
        event: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 200,
            description: 'The event name the message carries (`Journey Webhook` by default)',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export const TraitsStep = Type.Object(
  {
    traits: Type.Record(
      Type.String({ minLength: 1, maxLength: 200 }),
      Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]),
      {
        description:
          'Traits set on the person (an identify in the log, source `journeys`), such as {"stage": "onboarded"}',
      },
    ),
  },
  { additionalProperties: false },
);
const TimeOfDay = (description: string) =>
  Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description });

export const WaitUntilStep = Type.Object(
  {
    waitUntil: Type.Object(
      {
        time: Type.Optional(TimeOfDay('HH:MM, local')),
        days: Type.Optional(
          Type.Array(Type.Union(WEEKDAYS.map((day) => Type.Literal(day))), {
            minItems: 1,
            maxItems: 7,
            uniqueItems: true,
          }),
        ),
        trait: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        offset: Type.Optional(Type.String({ pattern: '^[-+]?\\d{1,6}(s|m|h|d|w)$' })),
        ifPast: Type.Optional(Type.Union([Type.Literal('continue'), Type.Literal('exit')])),
      },
      { additionalProperties: false },
    ),
  },
  {
    additionalProperties: false,
    description:
      'Until a local time of day (`time`, on `days`), or a date trait (`trait`, `offset`, `time`, `ifPast`); docs/journeys.md',
  },
);

const WaitFor = Type.Object(
  {
    event: Type.String({ minLength: 1, description: 'The awaited track event' }),
    timeout: Duration('How long to wait for it, such as "2d"'),
    match: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          "A property the awaited event must share with the entry event (`cartId`: the Order Completed of the entry's cart)",
      }),
    ),
  },
  { additionalProperties: false },
);

const SplitSource = Type.Union(
  [
    Type.Object({ random: Type.Literal(true) }, { additionalProperties: false }),
    Type.Object(
      {
        experiment: Type.String({ minLength: 1 }),
        factor: Type.Optional(Type.String({ minLength: 1 })),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'At random (arms by weight), or by an experiment variant or factor level' },
);
export type SplitSource = Static<typeof SplitSource>;

export const SplitArm = Type.Object(
  {
    weight: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
    variant: Type.Optional(Type.String({ minLength: 1 })),
    level: Type.Optional(Type.String({ minLength: 1 })),
    steps: Type.Array(Type.Unknown(), {
      maxItems: 100,
      description: 'Steps, checked when saved',
    }),
  },
  { additionalProperties: false },
);
export type SplitArm = Omit<Static<typeof SplitArm>, 'steps'> & { steps: JourneyStep[] };

export type JourneyStep =
  | Static<typeof WaitStep>
  | Static<typeof EmailStep>
  | Static<typeof WebhookStep>
  | Static<typeof TraitsStep>
  | Static<typeof WaitUntilStep>
  | { if: string; then?: JourneyStep[]; else?: JourneyStep[] }
  | { waitFor: Static<typeof WaitFor>; then?: JourneyStep[]; else?: JourneyStep[] }
  | { split: SplitSource; arms: SplitArm[]; else?: JourneyStep[] };

/** The name of the steps list whose branches nest up to `depth` levels, among `STEP_DEFS`. */
const stepsName = (depth: number) => `JourneySteps${String(depth)}`;
const ref = (name: string) => Type.Unsafe({ $ref: `#/$defs/${name}` });

/**
 * The steps' schemas, each declared once and referenced (`#/$defs/NAME`) from the schemas that
 * carry steps (`withStepDefs`): `JourneyStepsN` is a list of steps whose branches nest up to N
 * levels, its branch's `then` and `else` being `JourneySteps(N-1)`. Written out whole at every
 * level instead, the schema doubled with each level (97 KB for 4) and Fastify took seconds to
 * compile it; this way it grows by one list a level, and /openapi.json still describes every
 * step (OpenAPI 3.1 reads `$defs`). `if` and `waitFor` share one branch object; compiling checks
 * that a branch has exactly one of them.
 */
export const STEP_DEFS: Record<string, TSchema> = (() => {
  const defs: Record<string, TSchema> = {
    JourneyWaitStep: WaitStep,
    JourneyWaitUntilStep: WaitUntilStep,
    JourneyEmailStep: EmailStep,
    JourneyWebhookStep: WebhookStep,
    JourneyTraitsStep: TraitsStep,
    JourneyWaitFor: WaitFor,
    JourneySplitSource: SplitSource,
    JourneySplitArm: SplitArm,
  };
  const leaves = [
    'JourneyWaitStep',
    'JourneyWaitUntilStep',
    'JourneyEmailStep',
    'JourneyWebhookStep',
    'JourneyTraitsStep',
  ].map(ref);
  for (let depth = 0; depth <= MAX_BRANCH_DEPTH; depth++) {
    const variants: TSchema[] = [...leaves];
    if (depth > 0)
      variants.push(
        Type.Object(
          {
            if: Type.Optional(
              Type.String({ description: 'A segment expression evaluated on the profile' }),
            ),
            waitFor: Type.Optional(ref('JourneyWaitFor')),
            split: Type.Optional(ref('JourneySplitSource')),
            arms: Type.Optional(Type.Array(ref('JourneySplitArm'), { minItems: 1, maxItems: 20 })),
            then: Type.Optional(ref(stepsName(depth - 1))),
            else: Type.Optional(ref(stepsName(depth - 1))),
          },
          {
            additionalProperties: false,
            description:
              'A branch: `if` a segment expression holds, `then`, else `else`; or `waitFor` an event, `then` when it came in time, `else` once the timeout passed; or a `split` into `arms` (people an experiment does not take go to `else`)',
          },
        ),
      );
    defs[stepsName(depth)] = Type.Array(Type.Union(variants), { maxItems: 100 });
  }
  return defs;
})();

/** The steps schema with branches nesting up to `depth` levels, standing alone (its definitions with it). */
export function stepsSchema(depth: number): TSchema {
  return Type.Unsafe({ $defs: STEP_DEFS, allOf: [ref(stepsName(depth))] });
}

/** A list of steps nesting up to `depth` levels, inside a schema given the definitions by `withStepDefs`. */
const stepsRef = (depth: number) => Type.Unsafe<JourneyStep[]>(ref(stepsName(depth)));

export const QuietHours = Type.Object(
  {
    start: TimeOfDay('HH:MM'),
    end: TimeOfDay('HH:MM'),
  },
  {
    additionalProperties: false,
    description:
      "No email between start and end in the person's time zone (`traits.timezone`, else journeys.timeZone); one due then waits for the end",
  },
);
export type QuietHours = Static<typeof QuietHours>;

export const FrequencyCap = Type.Object(
  {
    emails: Type.Integer({ minimum: 0, maximum: 1000 }),
    per: Duration('The window, such as "7d"'),
  },
  {
    additionalProperties: false,
    description: 'At most `emails` marketing emails to a person in any `per`; one more is skipped',
  },
);
export type FrequencyCap = Static<typeof FrequencyCap>;

const Entry = Type.Union([
  Type.Object({ event: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  Type.Object(
    {
      segment: Type.String({ minLength: 1 }),
      on: Type.Optional(Type.Union([Type.Literal('entered'), Type.Literal('exited')])),
    },
    {
      additionalProperties: false,
      description: 'Entered when the person enters the segment (or leaves it, `on: "exited"`)',
    },
  ),
  Type.Object(
    {
      segment: Type.String({ minLength: 1 }),
      schedule: Type.Object(
        {
          every: Duration('How often, such as "1d" or "1w" (1m at least)'),
          start: Type.Optional(
            Type.String({
              maxLength: 64,
              description:
                'The first run, ISO 8601 with its offset (`2026-12-07T09:00:00+01:00`); the others every `every` after it. Default: the first turn after the journey is saved',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    },
    {
      additionalProperties: false,
      description:
        'Entered on a schedule: everyone in the segment at each run (an audience snapshot), as the re-entry policy allows',
    },
  ),
]);

/** What a journey is defined with. */
export const JourneyBody = Type.Object(
  {
    entry: Entry,
    steps: stepsRef(MAX_BRANCH_DEPTH),
    goal: Type.Optional(
      Type.Object(
        { event: Type.String({ minLength: 1 }) },
        {
          additionalProperties: false,
          description:
            'A person in the journey leaves it when this event arrives (reached the goal)',
        },
      ),
    ),
    reentry: Type.Optional(
      Type.Union(
        [
          Type.Literal('once'),
          Type.Literal('always'),
          Type.Object(
            { after: Duration('A cooldown from the last entry') },
            {
              additionalProperties: false,
            },
          ),
        ],
        {
          description:
            'Whether someone who finished may enter again: never (`once`, the default), `always`, or `{"after": "30d"}` since their last entry',
        },
      ),
    ),
    frequencyCap: Type.Optional(FrequencyCap),
    quietHours: Type.Optional(QuietHours),
    holdout: Type.Optional(
      Type.Object(
        {
          percent: Type.Number({
            exclusiveMinimum: 0,
            exclusiveMaximum: 100,
            description: 'The share of entering people held out, such as 10',
          }),
          window: Type.Optional(
            Duration(
              'How long after a person first enters a goal event counts as their conversion (default "30d")',
            ),
          ),
        },
        {
          additionalProperties: false,
          description:
            'People held out get none of the steps; the stats compare the goal in both groups',
        },
      ),
    ),
  },
  { additionalProperties: false, $defs: STEP_DEFS },
);
export type JourneyBody = Static<typeof JourneyBody>;
export type JourneyHoldout = NonNullable<JourneyBody['holdout']>;

const StepCounts = Type.Object({
  entered: Type.Integer({ description: 'People who reached the step (each time through counts)' }),
  waiting: Type.Integer({ description: 'People at the step now (waiting, or held)' }),
  done: Type.Integer({ description: 'People who went past it: entered minus waiting' }),
  left: Type.Integer({
    description:
      'People whose time in the journey ended at this step, the last they reached, other than by the goal',
  }),
  goal: Type.Integer({
    description:
      'People who reached the goal while this was the last step they had reached (they were at it)',
  }),
  leftBy: Type.Object(
    {
      end: Type.Integer({ description: 'Went past the last step of their branch' }),
      exit: Type.Integer({ description: 'Taken out by an exit rule (waitUntil ifPast "exit")' }),
      erased: Type.Integer({ description: 'Erased while at the step' }),
    },
    { description: '`left` by reason' },
  ),
});

/**
 * What GET /v1/journeys/NAME/stats answers: per step path (`0`, `1.then.0`), entered, waiting,
 * done, left and reached the goal.
 */
const GroupCounts = Type.Object({ people: Type.Integer(), converted: Type.Integer() });

export const JourneyStats = Type.Object({
  steps: Type.Record(Type.String(), StepCounts),
  goal: Type.Optional(
    Type.Object(
      { event: Type.String(), reached: Type.Integer() },
      { description: 'How many left the journey on its goal event' },
    ),
  ),
  holdout: Type.Optional(
    Type.Object(
      {
        percent: Type.Number(),
        window: Type.String(),
        treated: GroupCounts,
        holdout: GroupCounts,
        result: Type.Union([ExperimentResult, Type.Null()], {
          description:
            'The goal conversion of the treated against the holdout (the control), with the experiment statistics; null until both groups have people',
        }),
      },
      {
        description:
          'People per group since the holdout began, and how many reached the goal within the window of their first entry',
      },
    ),
  ),
});

/** What POST /v1/journeys/NAME/dry-run answers: the steps a person would go through now, and the emails. */
export const JourneyDryRun = Type.Object({
  steps: Type.Array(
    Type.Object({
      path: Type.String(),
      kind: Type.String(),
      at: Type.String({ description: 'When the person would reach the step (ISO 8601)' }),
      note: Type.String(),
      email: Type.Optional(
        Type.Object({
          to: Type.Union([Type.String(), Type.Null()]),
          subject: Type.String(),
          html: Type.String(),
          text: Type.Optional(Type.String()),
          sent: Type.Boolean(),
          reason: Type.Optional(Type.String()),
        }),
      ),
    }),
  ),
  end: Type.Union(
    [
      Type.Literal('finished'),
      Type.Literal('exited'),
      Type.Literal('undecided'),
      Type.Literal('held-out'),
    ],
    {
      description:
        "finished: the walk reached the end; exited: a waitUntil takes the person out; undecided: an experiment split decides the rest when reached; held-out: the person is in the journey's holdout and gets no step",
    },
  ),
});

export const TrackingToken = Type.Object({
  t: Type.String({
    minLength: 1,
    maxLength: 8192,
    pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  }),
});

export const JourneyName = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' }),
});

/** GET /v1/journeys: its 200 answer. */
export const JourneyList = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        name: Type.String(),
        entry: JourneyBody.properties.entry,
        goal: JourneyBody.properties.goal,
        steps: JourneyBody.properties.steps,
      }),
    ),
  },
  { $defs: STEP_DEFS },
);

export const UnsubscribeToken = Type.Object({
  t: Type.String({
    minLength: 1,
    maxLength: 2048,
    pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  }),
});

/** POST /v1/unsubscribe: its 200 answer. */
export const UnsubscribeAnswer = Type.Object({ unsubscribed: Type.Literal(true) });

/** POST /v1/journeys/:name/dry-run: the body. */
export const DryRunBody = Type.Object(
  {
    identifier: Type.String({
      minLength: 3,
      description: 'TYPE:VALUE, e.g. email:ann@example.com',
    }),
  },
  { additionalProperties: false },
);
