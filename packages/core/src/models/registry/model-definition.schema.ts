import { Type, type Static } from 'typebox';

const EventName = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' });

/** A predictive model in the registry (`PUT /v1/models/NAME`, docs/models.md). */
export const ModelBody = Type.Object(
  {
    type: Type.Union([Type.Literal('churn'), Type.Literal('propensity')], {
      description:
        'churn: 1 when no qualifying event comes in the label window after the cutoff; propensity: 1 when one does',
    }),
    label: Type.Object(
      {
        event: EventName,
        where: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 2000,
            description:
              'A condition in the segment language on the event (`properties.revenue > 50`): only matching events qualify',
          }),
        ),
        days: Type.Integer({
          minimum: 1,
          maximum: 365,
          description: 'The label window: N days after the cutoff',
        }),
      },
      { additionalProperties: false },
    ),
    features: Type.Optional(
      Type.Object(
        {
          events: Type.Optional(
            Type.Array(EventName, {
              minItems: 1,
              maxItems: 50,
              uniqueItems: true,
              description:
                'Event names counted over 7, 30, 90 days and all time (default: the 15 most frequent before the cutoff)',
            }),
          ),
          amount: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description: 'The property summed per window (default `revenue`)',
            }),
          ),
          computed: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
              minItems: 1,
              maxItems: 50,
              uniqueItems: true,
              description:
                'Computed traits (`PUT /v1/computed-traits/NAME`) read as features: as they were at the cutoff in training (folded from the log up to it by the same code), live when scoring. Features `computed:NAME`, or `computed:NAME.FIELD` per field of RFM and CLV',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    horizonDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        description:
          'How much history before the cutoff features read (default 365); the training cutoff is the latest event minus the label window',
      }),
    ),
    schedule: Type.Optional(
      Type.Object(
        {
          retrainDays: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 365,
              description:
                'Train a new version from the log every N days after the last one (a model without a version is trained at once)',
            }),
          ),
          promote: Type.Optional(
            Type.Union([Type.Literal('better'), Type.Literal('never')], {
              description:
                "better (default): a scheduled version is promoted when its cross-validated AUC is at least the promoted version's AUC on the same new table; never: it waits for a promotion",
            }),
          ),
          driftHours: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 8760,
              description:
                "Measure the promoted version's drift every N hours; a drifted feature or score appends `Model Drift Detected`",
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'Scheduled work, run by the upkeep (one node at a time on several nodes)',
        },
      ),
    ),
    fairness: Type.Optional(
      Type.Object(
        {
          attribute: Type.String({
            minLength: 1,
            maxLength: 200,
            description:
              'A trait (such as `age_band`) whose groups each training compares: selection and true positive rates, parity, equal opportunity, disparate impact. It is not a model input',
          }),
          threshold: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 1,
              description: 'A score at or above it counts as selected (default 0.5)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { title: 'Model', additionalProperties: false },
);
export type ModelBody = Static<typeof ModelBody>;

/** One bin of a reliability table: predictions in [from, to), their mean and the observed rate. */
export const ReliabilityBin = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  count: Type.Integer(),
  meanPredicted: Type.Number(),
  observedRate: Type.Number(),
});
export type ReliabilityBin = Static<typeof ReliabilityBin>;

/** Fairness of a version's held-out predictions across an attribute's groups. */
export const FairnessMetrics = Type.Object({
  attribute: Type.String(),
  threshold: Type.Number(),
  groups: Type.Array(
    Type.Object({
      group: Type.String({ description: 'The trait value; `(none)` for people without one' }),
      count: Type.Integer(),
      positives: Type.Integer(),
      selectionRate: Type.Number({ description: 'Share scored at or above the threshold' }),
      truePositiveRate: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
  demographicParityRatio: Type.Union([Type.Number(), Type.Null()], {
    description: 'Lowest selection rate over the highest',
  }),
  equalOpportunityDifference: Type.Union([Type.Number(), Type.Null()], {
    description: 'Highest true positive rate minus the lowest',
  }),
  disparateImpact: Type.Record(Type.String(), Type.Number(), {
    description: "Each group's selection rate over the highest group's",
  }),
  fourFifthsRule: Type.Boolean({ description: 'Every disparate impact ratio is at least 0.8' }),
});

/** How a feature (or the score) moved between a version's training and the people now. */
export const DriftRow = Type.Object({
  feature: Type.String(),
  psi: Type.Number({ description: 'Population stability index over the training deciles' }),
  ks: Type.Union([Type.Number(), Type.Null()], {
    description: 'Two-sample Kolmogorov-Smirnov statistic (numbers only)',
  }),
});

/**
 * The promoted version's calibration as outcomes mature: its scores at the latest cutoff whose
 * label window has passed (the latest event minus the label window, later than its own cutoff),
 * against the labels that came in that window.
 */
export const MaturedCalibration = Type.Object({
  cutoff: Type.String({ description: 'Features read events at or before it; labels after it' }),
  labelEnd: Type.String({ description: 'The end of the label window (the latest event)' }),
  rows: Type.Integer({ description: 'People with events in the horizon before the cutoff' }),
  positives: Type.Integer(),
  auc: Type.Union([Type.Number(), Type.Null()], {
    description: 'ROC AUC of the scores (null when every label is the same)',
  }),
  brier: Type.Number({ description: 'Brier score of the scores against the labels' }),
  reliability: Type.Array(ReliabilityBin, {
    description: 'Ten equal-width bins of the scores, empty ones left out',
  }),
});
export type MaturedCalibration = Static<typeof MaturedCalibration>;

/** `GET /v1/models/NAME/drift`: the promoted version's features and score, training against now. */
export const ModelDrift = Type.Object({
  version: Type.Integer(),
  trainedAt: Type.String(),
  computedAt: Type.String(),
  rows: Type.Integer({ description: 'People scored now (events in the horizon)' }),
  score: DriftRow,
  features: Type.Array(DriftRow, { description: 'Every feature, the largest PSI first' }),
  drifted: Type.Array(Type.String(), {
    description:
      'Features (and `score`) whose PSI is 0.25 or more: a major shift by the usual rule',
  }),
  matured: Type.Optional(
    Type.Union([MaturedCalibration, Type.Null()], {
      description:
        "Calibration as outcomes mature; null while no label window has passed since the version's own cutoff",
    }),
  ),
});
export type ModelDrift = Static<typeof ModelDrift>;

/** What a training recorded: a version's metrics, window and features (the classifier apart). */
export const ModelVersionInfo = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  trainedAt: Type.String(),
  cutoff: Type.String({ description: 'Features read events at or before it; labels after it' }),
  labelEnd: Type.String({ description: 'The end of the label window' }),
  featureStart: Type.String({ description: 'The earliest event features read' }),
  rows: Type.Integer(),
  positives: Type.Integer(),
  events: Type.Integer({ description: 'Log events read' }),
  features: Type.Array(Type.String(), { description: 'The feature columns, in order' }),
  metrics: Type.Object({
    folds: Type.Integer(),
    model: Type.Optional(
      Type.Union([Type.Literal('logistic'), Type.Literal('trees')], {
        description:
          'The kind that scores: logistic regression or gradient-boosted trees, the larger mean fold AUC (absent: trained before trees, logistic)',
      }),
    ),
    candidates: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({ auc: Type.Number(), foldAucs: Type.Array(Type.Number()) }),
        { description: 'Each kind compared on the same folds' },
      ),
    ),
    auc: Type.Number({ description: 'Mean AUC of the held-out folds' }),
    foldAucs: Type.Array(Type.Number()),
    brier: Type.Number({ description: 'Brier score of every held-out prediction' }),
    calibration: Type.Optional(
      Type.Object({
        method: Type.Literal('platt'),
        brier: Type.Number({
          description:
            'Brier score of the held-out predictions calibrated by Platt scaling fitted on the other folds',
        }),
        chosen: Type.Boolean({
          description:
            'Whether the version scores through the calibration (it lowered the Brier score)',
        }),
      }),
    ),
    fairness: Type.Optional(FairnessMetrics),
    champion: Type.Optional(
      Type.Object(
        {
          version: Type.Integer(),
          auc: Type.Number({
            description: "Its AUC on this version's training table (the labels it did not see)",
          }),
        },
        {
          description:
            'A scheduled training: the version promoted when it began, measured on the new table',
        },
      ),
    ),
    reliability: Type.Array(ReliabilityBin, {
      description:
        'Held-out predictions as the version serves them (calibrated when chosen) in ten equal-width bins (empty bins left out)',
    }),
  }),
  promoted: Type.Boolean(),
  trainedBy: Type.Optional(
    Type.Union([Type.Literal('request'), Type.Literal('schedule')], {
      description: 'Whether a request (or the CLI) or the schedule trained it',
    }),
  ),
});
export type ModelVersionInfo = Static<typeof ModelVersionInfo>;

/** One input's share of a score in log-odds: weight × prepared value (logistic), its TreeSHAP value (trees). */
export const ScoreContribution = Type.Object({
  feature: Type.String({
    description: 'The model input (`count_30d:Order Completed`, `trait:plan=pro`)',
  }),
  value: Type.Union([Type.Number(), Type.String(), Type.Null()], {
    description: 'The feature as it was when scored (before standardizing)',
  }),
  contribution: Type.Number({
    description:
      'Its term in the log-odds: weight × prepared value (logistic), its TreeSHAP value (trees)',
  }),
});
export type ScoreContribution = Static<typeof ScoreContribution>;

/**
 * A model's score of one person, kept on the profile (`model.NAME.score` in the segment language):
 * P(label = 1) by the promoted version, when it was computed, and its largest contributions.
 */
export const ModelScore = Type.Object({
  score: Type.Number({ minimum: 0, maximum: 1 }),
  version: Type.Integer({ minimum: 1 }),
  scoredAt: Type.String(),
  /** With `?explain=true`: baseline + the contributions + rest = the score's log-odds. */
  baseline: Type.Optional(
    Type.Number({
      description: 'The intercept: the log-odds of a person at the mean of every input',
    }),
  ),
  contributions: Type.Optional(
    Type.Array(ScoreContribution, {
      description: 'The largest terms of the log-odds, by magnitude',
    }),
  ),
  rest: Type.Optional(
    Type.Number({ description: 'The sum of the terms not listed in contributions' }),
  ),
});
export type ModelScore = Static<typeof ModelScore>;

/** A scheduled run's outcome: when it ended, and the version recorded or the error it met. */
export const ScheduledRun = Type.Object({
  at: Type.String(),
  version: Type.Optional(Type.Integer()),
  promoted: Type.Optional(Type.Boolean()),
  drifted: Type.Optional(Type.Array(Type.String())),
  skipped: Type.Optional(
    Type.String({ description: 'Why nothing was recorded (another version came meanwhile)' }),
  ),
  error: Type.Optional(Type.String()),
});
export type ScheduledRun = Static<typeof ScheduledRun>;

/** `GET /v1/models/NAME/schedule`: where a model's scheduled training and drift stand. */
export const ModelSchedule = Type.Object({
  retrain: Type.Union([
    Type.Object({
      everyDays: Type.Integer(),
      promote: Type.Union([Type.Literal('better'), Type.Literal('never')]),
      lastTrainedAt: Type.Union([Type.String(), Type.Null()], {
        description: 'The latest version, however it was trained',
      }),
      next: Type.String({ description: 'When the next scheduled training is due' }),
      last: Type.Union([ScheduledRun, Type.Null()], {
        description: 'The last scheduled training',
      }),
    }),
    Type.Null(),
  ]),
  drift: Type.Union([
    Type.Object({
      everyHours: Type.Integer(),
      next: Type.Union([Type.String(), Type.Null()], {
        description: 'When drift is measured next (none before a version is promoted)',
      }),
      last: Type.Union([ScheduledRun, Type.Null()], {
        description: 'The last scheduled measurement',
      }),
    }),
    Type.Null(),
  ]),
  running: Type.Union([Type.Literal('train'), Type.Literal('drift'), Type.Null()], {
    description: 'Scheduled work under way for this model',
  }),
});
export type ModelSchedule = Static<typeof ModelSchedule>;
