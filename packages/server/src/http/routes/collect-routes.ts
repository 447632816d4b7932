import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { BatchRequest, CollectResponse, MESSAGE_SCHEMAS, MESSAGE_TYPES, TailorError } from '@tailor/core';
import type { CollectOutcome } from '../../collect/collector.js';
import type { Tailor } from '../../open-tailor.js';

function respond(outcome: CollectOutcome): CollectResponse {
  return {
    success: true,
    stored: outcome.stored,
    duplicates: outcome.duplicates,
    rejected: outcome.rejected.map(({ index, reason }) => ({ index, reason })),
    ...(outcome.withheld > 0 && { withheld: outcome.withheld }),
  };
}

/** Global Privacy Control: `Sec-GPC: 1` opts the sender out of advertising. */
function gpcOf(headers: Record<string, string | string[] | undefined>): boolean {
  return headers['sec-gpc'] === '1';
}

function sourceOf(principal: { name: string } | undefined): string {
  return `key:${principal?.name ?? 'unknown'}`;
}

/** The Segment HTTP Tracking API: one route per message type, and /v1/batch. */
export const collectRoutes: FastifyPluginCallbackTypebox<{ tailor: Tailor }> = (app, { tailor }, done) => {
  const { limits } = tailor.config;
  for (const type of MESSAGE_TYPES) {
    app.post(
      `/v1/${type}`,
      {
        bodyLimit: limits.messageBytes,
        config: { access: 'collect' },
        schema: {
          tags: ['collect'],
          summary: `Collect one ${type} message (Segment Spec)`,
          body: MESSAGE_SCHEMAS[type],
          response: { 200: CollectResponse },
        },
      },
      async (request) => {
        const outcome = await tailor.collector.collect({
          messages: [request.body],
          type,
          source: sourceOf(request.principal),
          gpc: gpcOf(request.headers),
        });
        const refused = outcome.rejected[0];
        if (refused) {
          throw new TailorError(refused.blocked ? 'blocked_by_tracking_plan' : 'invalid_message', refused.reason);
        }
        return respond(outcome);
      },
    );
  }

  app.post(
    '/v1/batch',
    {
      bodyLimit: limits.batchBytes,
      config: { access: 'collect' },
      schema: {
        tags: ['collect'],
        summary: 'Collect a batch of messages; invalid ones are listed, valid ones stored',
        body: BatchRequest,
        response: { 200: CollectResponse },
      },
    },
    async (request) => {
      const { batch, context, integrations, sentAt } = request.body;
      const outcome = await tailor.collector.collect({
        messages: batch,
        source: sourceOf(request.principal),
        gpc: gpcOf(request.headers),
        defaults: {
          ...(context !== undefined && { context }),
          ...(integrations !== undefined && { integrations }),
          ...(sentAt !== undefined && { sentAt }),
        },
      });
      return respond(outcome);
    },
  );
  done();
};
