import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import {
  ActivityQuery,
  ActivityResult,
  AttributionRequest,
  AttributionResult,
  ChannelRulesBody,
  ChannelRulesResult,
  FunnelRequest,
  FunnelResult,
  KpiRequest,
  KpiResult,
  QualityQuery,
  QualityResult,
  RetentionRequest,
  RetentionResult,
} from '@tailor/core';
import type { ActivityService } from '../../reports/activity-service.js';
import type { AttributionService } from '../../reports/attribution-service.js';
import type { ChannelRuleService } from '../../reports/channel-rule-service.js';
import type { FunnelService } from '../../reports/funnel-service.js';
import type { KpiService } from '../../reports/kpi-service.js';
import type { QualityService } from '../../reports/quality-service.js';
import {
  attributionCsv,
  funnelCsv,
  kpisCsv,
  qualityCsv,
  retentionCsv,
  wantsCsv,
} from '../../reports/report-csv.js';
import type { RetentionService } from '../../reports/retention-service.js';

/** A report's 200: its JSON, or CSV text (both in the OpenAPI document). */
function csvOr<T extends TSchema>(json: T) {
  return {
    content: {
      'application/json': { schema: json },
      'text/csv': { schema: Type.String() },
    },
  };
}

/** The report as CSV text when the request's `Accept` prefers `text/csv`, else as it is (JSON). */
function csvOrJson<R>(
  request: FastifyRequest,
  reply: FastifyReply,
  result: R,
  toCsv: (result: R) => string,
): R | FastifyReply {
  return wantsCsv(request.headers.accept)
    ? reply.type('text/csv; charset=utf-8').send(toCsv(result))
    : result;
}

/**
 * Reports over the log (viewer key or higher). Each answers JSON, or CSV when the request's
 * `Accept` header prefers `text/csv` (docs/reports.md).
 */
export const reportRoutes: FastifyPluginCallbackTypebox<{
  attribution: AttributionService;
  channelRules: ChannelRuleService;
  funnels: FunnelService;
  retention: RetentionService;
  kpis: KpiService;
  quality: QualityService;
  activity: ActivityService;
}> = (app, { attribution, channelRules, funnels, retention, kpis, quality, activity }, done) => {
  const tags = ['reports'];

  app.get(
    '/v1/channel-rules',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'The channel rules attribution and the reports apply before the default channel grouping',
        response: { 200: ChannelRulesResult },
      },
    },
    async () => channelRules.get(),
  );

  app.put(
    '/v1/channel-rules',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Replace the channel rules: each names a channel for UTM sources (or referring hosts) and mediums, tried in order before the default grouping',
        body: ChannelRulesBody,
        response: { 200: ChannelRulesResult },
      },
    },
    async (request) => channelRules.put(request.body),
  );

  app.post(
    '/v1/reports/attribution',
    {
      config: { access: 'read' },
      schema: {
        tags,
        description: 'JSON, or CSV (`model,key,share,credit`) with `Accept: text/csv`',
        summary:
          'Multi-touch attribution of a conversion event to touchpoints (page events keyed by a UTM parameter): first_touch, last_touch, linear, position_based, time_decay, markov',
        body: AttributionRequest,
        response: { 200: csvOr(AttributionResult) },
      },
    },
    async (request, reply) => {
      const result = await attribution.attribution(request.body);
      return csvOrJson(request, reply, result, attributionCsv);
    },
  );

  app.post(
    '/v1/reports/funnel',
    {
      config: { access: 'read' },
      schema: {
        tags,
        description: 'JSON, or CSV (one row per step) with `Accept: text/csv`',
        summary:
          'A conversion funnel: people reaching each step within a window (ordered, strict or any order), drop-off and time between steps',
        body: FunnelRequest,
        response: { 200: csvOr(FunnelResult) },
      },
    },
    async (request, reply) => {
      const result = await funnels.funnel(request.body);
      return csvOrJson(request, reply, result, (r) => funnelCsv(request.body, r));
    },
  );

  app.post(
    '/v1/reports/retention',
    {
      config: { access: 'read' },
      schema: {
        tags,
        description:
          'JSON, or CSV (`cohort,size,period,retained,rate`, one row per cohort and period begun) with `Accept: text/csv`',
        summary:
          'A retention matrix: cohorts by the calendar period of their first start event, and the share doing a return event in each later period',
        body: RetentionRequest,
        response: { 200: csvOr(RetentionResult) },
      },
    },
    async (request, reply) => {
      const result = await retention.retention(request.body);
      return csvOrJson(request, reply, result, retentionCsv);
    },
  );
  app.post(
    '/v1/reports/kpis',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'KPIs of a period: visitors, conversion rate, orders, revenue, average order value, revenue per visitor and computed-trait means, for everyone and per segment or experiment variant',
        description:
          'JSON, or CSV (a row per group, then its placements with `clickThrough`) with `Accept: text/csv`',
        body: KpiRequest,
        response: { 200: csvOr(KpiResult) },
      },
    },
    async (request, reply) => {
      const result = await kpis.kpis(request.body);
      return csvOrJson(request, reply, result, kpisCsv);
    },
  );

  app.get(
    '/v1/reports/quality',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'Data quality per source and event: volume against its usual level, tracking-plan violations, missing fields, duplicates and late events',
        description: 'JSON, or CSV (a row per source and event) with `Accept: text/csv`',
        querystring: QualityQuery,
        response: { 200: csvOr(QualityResult) },
      },
    },
    async (request, reply) => {
      const result = await quality.quality(request.query);
      return csvOrJson(request, reply, result, qualityCsv);
    },
  );

  app.get(
    '/v1/reports/activity',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'Events over the last hour (per minute), day or week (per hour) and the most frequent event names, by event time',
        querystring: ActivityQuery,
        response: { 200: ActivityResult },
      },
    },
    async (request) => activity.activity(request.query),
  );
  done();
};
