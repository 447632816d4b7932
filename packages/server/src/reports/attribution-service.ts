import {
  attribute,
  type ChannelRule,
  type AttributionRequest,
  type AttributionResult,
  type JourneyStep,
} from '@tailor/core';
import { readPersonTimelines, type TimelineDeps } from './person-timelines.js';
import { touchKey } from './touch-key.js';

/**
 * Multi-touch attribution over the log (docs/attribution.md): each person's page events with the
 * key (`context.campaign.<by>`, `name` for `campaign`) and conversion events, in time order, as
 * readPersonTimelines gathers them (identifiers resolved to profiles, analytics refusers left
 * out), go to core's `attribute`. With `by` channel, a page's key is its channel (core's
 * classifyChannel, after the request's rules and the stored ones) and a page reached from the site's own pages without a campaign is no
 * touchpoint: it continues a visit.
 */
export class AttributionService {
  constructor(
    private readonly deps: TimelineDeps & {
      /** The stored channel rules, read when `by` is channel. */
      channelRules?: () => Promise<readonly ChannelRule[]>;
    },
  ) {}

  async attribution(request: AttributionRequest): Promise<AttributionResult> {
    const byRevenue = request.weight === 'revenue';
    // The request's own rules first, then the stored ones, then the default grouping.
    const stored =
      request.by === 'channel' && this.deps.channelRules ? await this.deps.channelRules() : [];
    const keyOptions = {
      rules: [...(request.channels ?? []), ...stored],
      unkeyedDirect: request.unkeyed === 'direct',
      own: request.ownTouchpoints,
    };
    const timelines = await readPersonTimelines(
      this.deps,
      (message): { key: string } | { value: number } | undefined => {
        // A conversion is never also a touchpoint (were it named as one of Tailor's own).
        if (message.type !== 'track' || message.event !== request.conversion) {
          const key = touchKey(message, request.by, keyOptions);
          return key === undefined ? undefined : { key };
        }
        if (!byRevenue) return { value: 1 };
        const revenue = message.properties?.revenue;
        return { value: typeof revenue === 'number' && Number.isFinite(revenue) ? revenue : 0 };
      },
    );
    const journeys = timelines.map((timeline) =>
      timeline.map(({ at, item }): JourneyStep =>
        'key' in item ? { kind: 'touch', key: item.key, at } : { kind: 'conversion', at, ...item },
      ),
    );
    const result = attribute(journeys, {
      models: request.models,
      lookbackDays: request.lookbackDays,
      halfLifeDays: request.halfLifeDays,
      paths: request.paths,
    });
    return { ...result, people: timelines.length };
  }
}
