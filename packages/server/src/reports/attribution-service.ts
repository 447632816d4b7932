import {
  attribute,
  classifyChannel,
  DIRECT_KEY,
  type AttributionRequest,
  type AttributionResult,
  type JourneyStep,
  type StoredMessage,
} from '@tailor/core';
import { readPersonTimelines, type TimelineDeps } from './person-timelines.js';

/**
 * Multi-touch attribution over the log (docs/attribution.md): each person's page events with the
 * key (`context.campaign.<by>`, `name` for `campaign`) and conversion events, in time order, as
 * readPersonTimelines gathers them (identifiers resolved to profiles, analytics refusers left
 * out), go to core's `attribute`. With `by` channel, a page's key is its channel (core's
 * classifyChannel) and a page reached from the site's own pages without a campaign is no
 * touchpoint: it continues a visit.
 */
export class AttributionService {
  constructor(private readonly deps: TimelineDeps) {}

  async attribution(request: AttributionRequest): Promise<AttributionResult> {
    const field = request.by === 'campaign' ? 'name' : request.by;
    const byRevenue = request.weight === 'revenue';
    const direct = request.unkeyed === 'direct';
    const timelines = await readPersonTimelines(
      this.deps,
      (message): { key: string } | { value: number } | undefined => {
        if (message.type === 'page') {
          const key =
            request.by === 'channel'
              ? channelOf(message, request.channels)
              : (campaignField(message, field) ?? (direct ? DIRECT_KEY : undefined));
          return key === undefined ? undefined : { key };
        }
        if (message.type !== 'track' || message.event !== request.conversion) return undefined;
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

/**
 * A page's channel: from its campaign's source and medium, else from the referring site; a page
 * without a campaign referred by the same site continues a visit (undefined).
 */
function channelOf(
  message: StoredMessage,
  rules: AttributionRequest['channels'],
): string | undefined {
  const source = campaignField(message, 'source');
  const medium = campaignField(message, 'medium');
  const page = message.context.page as Record<string, unknown> | undefined;
  const referrer = hostOf(page?.referrer ?? message.properties?.referrer);
  const own = hostOf(page?.url ?? message.properties?.url);
  if (source === undefined && medium === undefined && referrer !== undefined && referrer === own)
    return undefined;
  return classifyChannel(
    { source, medium, referrerHost: referrer === own ? undefined : referrer },
    rules ?? [],
  );
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

function campaignField(message: StoredMessage, field: string): string | undefined {
  const campaign = message.context.campaign;
  if (typeof campaign !== 'object' || campaign === null) return undefined;
  const value = (campaign as Record<string, unknown>)[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
