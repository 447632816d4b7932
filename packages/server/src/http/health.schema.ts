import { Type } from 'typebox';

/** `GET /health`: what a load balancer or an orchestrator needs, nothing more. */
export const HealthBody = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('starting')]),
  /** The pipeline and the dispatcher run: what is collected now is folded at once. */
  ready: Type.Boolean(),
  background: Type.Union([Type.Literal('running'), Type.Literal('starting')]),
});
