import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  BatchRequest,
  CollectResponse,
  MESSAGE_SCHEMAS,
  MESSAGE_TYPES,
  TailorError,
  type MessageType,
} from '@tailor/core';
import type { CollectOutcome } from '../../collect/collector.js';
import type { Collector } from '../../collect/collector.js';
import type { Config } from '../../config/config.schema.js';
import { batchMessageBytes } from '../../collect/batch-message-bytes.js';
import { bodyTextOf, hasNonFiniteNumbers } from '../parse-json-body.js';

function respond(outcome: CollectOutcome): CollectResponse {
  return {
    success: true,
    stored: outcome.stored,
    duplicates: outcome.duplicates,
    rejected: outcome.rejected.map(({ index, reason }) => ({ index, reason })),
    ...(outcome.withheld > 0 && { withheld: outcome.withheld }),
  };
}

/** The bytes of a body's JSON text. */
function bytesOf(text: string | Buffer | undefined): number | undefined {
  return typeof text === 'string' ? Buffer.byteLength(text) : text?.length;
}

/** Global Privacy Control: `Sec-GPC: 1` opts the sender out of advertising. */
function gpcOf(headers: Record<string, string | string[] | undefined>): boolean {
  return headers['sec-gpc'] === '1';
}

function sourceOf(principal: { name: string } | undefined): string {
  return `key:${principal?.name ?? 'unknown'}`;
}

/** analytics.js 2.0 (`@segment/analytics-next`) posts each message to the first letter of its type. */
const SHORT_PATHS: Record<MessageType, string> = {
  track: 't',
  identify: 'i',
  page: 'p',
  screen: 's',
  group: 'g',
  alias: 'a',
};

/**
 * The Segment HTTP Tracking API: one route per message type, and /v1/batch; with the short paths
 * analytics.js 2.0 posts to (`/v1/t` ... `/v1/b`, the write key in the body, sent as text/plain).
 */
export const collectRoutes: FastifyPluginCallbackTypebox<{
  collector: Collector;
  limits: Config['limits'];
}> = (app, { collector, limits }, done) => {
  for (const type of MESSAGE_TYPES) {
    for (const path of [`/v1/${type}`, `/v1/${SHORT_PATHS[type]}`]) {
      const short = path !== `/v1/${type}`;
      app.post(
        path,
        {
          bodyLimit: limits.messageBytes,
          config: { access: 'collect', messages: true },
          schema: {
            tags: ['collect'],
            summary: short
              ? `Collect one ${type} message: /v1/${type} as analytics.js 2.0 names it`
              : `Collect one ${type} message (Segment Spec)`,
            body: MESSAGE_SCHEMAS[type],
            response: { 200: CollectResponse },
          },
        },
        async (request) => {
          const outcome = await collector.collect({
            messages: [request.body],
            type,
            source: sourceOf(request.principal),
            gpc: gpcOf(request.headers),
            checkNumbers: hasNonFiniteNumbers(request.body),
            bodyBytes: bytesOf(bodyTextOf(request.body)),
          });
          const refused = outcome.rejected[0];
          if (refused) {
            throw new TailorError(
              refused.blocked ? 'blocked_by_tracking_plan' : 'invalid_message',
              refused.reason,
            );
          }
          return respond(outcome);
        },
      );
    }
  }

  for (const path of ['/v1/batch', '/v1/b']) {
    app.post(
      path,
      {
        bodyLimit: limits.batchBytes,
        config: { access: 'collect', messages: true },
        schema: {
          tags: ['collect'],
          summary:
            path === '/v1/b'
              ? '/v1/batch as analytics.js 2.0 names it in batching mode'
              : 'Collect a batch of messages; invalid ones are listed, valid ones stored',
          body: BatchRequest,
          response: { 200: CollectResponse },
        },
      },
      async (request) => {
        const { batch, context, integrations, sentAt } = request.body;
        const text = bodyTextOf(request.body);
        const bodyBytes = bytesOf(text);
        const outcome = await collector.collect({
          messages: batch,
          source: sourceOf(request.principal),
          gpc: gpcOf(request.headers),
          checkNumbers: hasNonFiniteNumbers(request.body),
          bodyBytes,
          // Over the limit per message: each message's bytes as sent, read from the text.
          ...(typeof text === 'string' &&
            bodyBytes !== undefined &&
            bodyBytes > limits.messageBytes && {
              sentBytes: batchMessageBytes(text, batch.length),
            }),
          defaults: {
            ...(context !== undefined && { context }),
            ...(integrations !== undefined && { integrations }),
            ...(sentAt !== undefined && { sentAt }),
          },
        });
        return respond(outcome);
      },
    );
  }
  done();
};
