import { Type, type Static } from 'typebox';
import { ExperimentBody, ExperimentMetricBody } from './experiment-body.js';
import { ExperimentResult, FactorialResult } from '@tailor/core';

/** An experiment as the API shows it: its definition, version and whether it runs now. */
export const Experiment = Type.Intersect([
  ExperimentBody,
  Type.Object({
    name: Type.String(),
    version: Type.Integer(),
    status: Type.Union([
      Type.Literal('scheduled'),
      Type.Literal('running'),
      Type.Literal('stopped'),
    ]),
    layerRange: Type.Optional(
      Type.Tuple([Type.Number(), Type.Number()], {
        description: "The slice [start, end) of the layer's people it holds",
      }),
    ),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  }),
]);
export type Experiment = Static<typeof Experiment>;

export const ExperimentName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

export const ExperimentResults = Type.Intersect([
  ExperimentResult,
  Type.Object({
    experiment: Type.String(),
    computedAt: Type.String(),
    metrics: Type.Array(ExperimentMetricBody),
    exposures: Type.Integer({ description: 'Exposure events read, repeats included' }),
    eventsRead: Type.Integer({
      description: 'Events read from the log: all of it (source log), or the events not folded yet',
    }),
    source: Type.Union([Type.Literal('projection'), Type.Literal('log')], {
      description: "The reports projection's columns, or one pass over the whole log",
    }),
    factorial: Type.Optional(FactorialResult),
  }),
]);

export const Assignment = Type.Object({
  variant: Type.Union([Type.String(), Type.Null()], {
    description: 'The variant; in a factorial experiment the cell, FACTOR=LEVEL|FACTOR=LEVEL',
  }),
  factors: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description: "A factorial experiment: each factor's level",
    }),
  ),
  reason: Type.Optional(
    Type.String({ description: 'Why nobody was assigned: not running, traffic, audience, layer' }),
  ),
});

/** GET /v1/experiments: its 200 answer. */
export const ExperimentList = Type.Object({ items: Type.Array(Experiment) });

/** POST /v1/experiments/:name/assign: the body. */
export const AssignBody = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    writeKey: Type.Optional(
      Type.String({ description: 'The write key, for clients that cannot set headers' }),
    ),
  },
  { additionalProperties: false },
);
