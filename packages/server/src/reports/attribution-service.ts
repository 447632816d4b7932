import {
  attribute,
  type ChannelRule,
  type AttributionRequest,
  type AttributionResult,
  type JourneyStep,
} from '@tailor/core';
import { readPersonTimelines, type TimelineDeps } from './person-timelines.js';
import type { ReportProjection } from './projection/report-projection.js';
import { touchKey, touchKeyOf, type TouchKeyOptions } from './touch-key.js';

export interface AttributionDeps extends TimelineDeps {
  /** The stored channel rules, read when `by` is channel. */
  channelRules?: () => Promise<readonly ChannelRule[]>;
  /** The columnar projection of the log, when this process keeps one (docs/reports.md). */
  projection?: () => ReportProjection | undefined;
}

/**
 * Multi-touch attribution (docs/attribution.md): each person's touchpoints (page events and, when
 * asked, Tailor's own, keyed by touchKey) and conversion events, in time order (identifiers
 * resolved to profiles, analytics refusers left out), go to core's `attribute`. With `by`
 * channel, a page's key is its channel (core's classifyChannel, after the request's rules and
 * the stored ones) and a page reached from the site's own pages without a campaign is no
 * touchpoint: it continues a visit. Read from the reports projection when this process keeps
 * one (each distinct combination of touch fields keyed once), else from the log.
 */
export class AttributionService {
  constructor(private readonly deps: AttributionDeps) {}

  async attribution(request: AttributionRequest): Promise<AttributionResult> {
    // The request's own rules first, then the stored ones, then the default grouping.
    const stored =
      request.by === 'channel' && this.deps.channelRules ? await this.deps.channelRules() : [];
    const keyOptions: TouchKeyOptions = {
      rules: [...(request.channels ?? []), ...stored],
      unkeyedDirect: request.unkeyed === 'direct',
      own: request.ownTouchpoints,
    };
    const projection = this.deps.projection?.();
    const { journeys, people } =
      projection === undefined
        ? await this.fromLog(request, keyOptions)
        : await fromProjection(projection, request, keyOptions);
    const result = attribute(journeys, {
      models: request.models,
      lookbackDays: request.lookbackDays,
      halfLifeDays: request.halfLifeDays,
      paths: request.paths,
    });
    return { ...result, people };
  }

  /** Each person's journey read from the log (the scale-out path, or a command while serve runs). */
  private async fromLog(
    request: AttributionRequest,
    keyOptions: TouchKeyOptions,
  ): Promise<Journeys> {
    const byRevenue = request.weight === 'revenue';
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
    return { journeys, people: journeys.length };
  }
}

/** The people's journeys as core's attribute reads them, and how many people. */
interface Journeys {
  journeys: Iterable<readonly JourneyStep[]>;
  people: number;
}

/**
 * Each person's journey from the projection: touchKeyOf keys each distinct combination of touch
 * fields once (as touchKey keys the events carrying it), a conversion weighs 1 or its revenue.
 * The journeys are made one at a time as attribute reads them, from the typed columns, so a
 * million people's steps are never all held as objects at once.
 */
async function fromProjection(
  projection: ReportProjection,
  request: AttributionRequest,
  keyOptions: TouchKeyOptions,
): Promise<Journeys> {
  const keys: string[] = [''];
  const numbers = new Map<string, number>();
  const columns = await projection.touchColumns({
    nameCode: (name) => (name === request.conversion ? 1 : 0),
    wants: (fields) => touchKeyOf(fields, request.by, keyOptions) !== undefined,
  });
  // Each combination's key number (0: no touchpoint), and whether it is a page's.
  const keyOf = new Int32Array(columns.combos.length);
  const page = new Uint8Array(columns.combos.length);
  columns.combos.forEach((fields, id) => {
    if (fields === undefined) return;
    page[id] = fields.kind === 'page' ? 1 : 0;
    const key = touchKeyOf(fields, request.by, keyOptions);
    if (key === undefined) return;
    let n = numbers.get(key);
    if (n === undefined) {
      n = keys.length;
      keys.push(key);
      numbers.set(key, n);
    }
    keyOf[id] = n;
  });
  // Each row's step: > 0 a touchpoint's key number, -1 a conversion, 0 neither (a page named as
  // the conversion is never one; a conversion is never also a touchpoint).
  const { offsets, at, name, touch, revenue } = columns;
  const code = new Int32Array(at.length);
  let people = 0;
  for (let p = 0; p + 1 < offsets.length; p++) {
    let any = false;
    for (let i = offsets[p] as number; i < (offsets[p + 1] as number); i++) {
      const t = touch[i] as number;
      if (name[i] === 1 && (t < 0 || page[t] !== 1)) code[i] = -1;
      else if (t >= 0) code[i] = keyOf[t] as number;
      if (code[i] !== 0) any = true;
    }
    if (any) people++;
  }
  const byRevenue = request.weight === 'revenue';
  function* journeys(): Generator<JourneyStep[]> {
    for (let p = 0; p + 1 < offsets.length; p++) {
      const steps: JourneyStep[] = [];
      for (let i = offsets[p] as number; i < (offsets[p + 1] as number); i++) {
        const c = code[i] as number;
        const when = at[i] as number;
        if (c > 0) steps.push({ kind: 'touch', key: keys[c] as string, at: when });
        else if (c < 0) {
          const worth = byRevenue ? (revenue[i] as number) : 1;
          steps.push({ kind: 'conversion', at: when, value: Number.isNaN(worth) ? 0 : worth });
        }
      }
      if (steps.length > 0) yield steps;
    }
  }
  return { journeys: journeys(), people };
}
