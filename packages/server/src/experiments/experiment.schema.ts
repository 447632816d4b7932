import { Type, type Static } from 'typebox';
import { ExperimentBody } from './experiment-body.js';

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
