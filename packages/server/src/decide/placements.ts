import type { Liquid, Template } from 'liquidjs';
import {
  aggregateKey,
  compileCondition,
  DURATION_MS,
  exposureCounter,
  readCondition,
  referencesOf,
  scorerRegistry,
  TailorError,
  walkCondition,
  durationMs,
  type AggregateNode,
  type CompiledItem,
  type CompiledPlacement,
  type ConversionMetric,
  type PlacementBody,
  type ScorerRegistry,
} from '@tailor/core';
import { validName } from '../segments/definitions.js';
import type { BanditMetric } from '../store/bandit-store.js';
import type { DefinitionKind, StateStore, StoredPlacement } from '../store/state-store.js';
import { checkTemplate } from './check-template.js';
import type { TemplateEngine } from './template-engine.js';
import { ReadOrder } from '../store/read-order.js';

/** A placement compiled for deciding: rules parsed, templates parsed, caps' counters built. */
export interface ReadyPlacement extends CompiledPlacement {
  templates: Map<string, Template[]>;
  /** For a placement that optimizes: the metric its counts are kept under. */
  bandit?: BanditMetric;
  /** The personal traits its templates may show to the public write key (`browserTraits`). */
  browserTraits?: readonly string[];
}

/** The built-in scorer kinds (the computed trait): what placements rank with unless given others. */
const BUILTIN_SCORERS = scorerRegistry();

/** What placement rules may read, to refuse unknown names when a placement is saved. */
export interface KnownNames {
  segments: ReadonlySet<string>;
  computed: ReadonlySet<string>;
}

/**
 * Placements: stored as given, compiled once into what `decide` needs (kept in memory, so the
 * decide path never reads them from disk). Rules are the segment language over traits, computed
 * traits, consent, segment membership and the request's context; templates are Liquid.
 */
export class Placements {
  private ready = new Map<string, ReadyPlacement>();
  /** Readings of the store and changes made here, in order (another node or thread changes them too). */
  private readonly order = new ReadOrder();

  private constructor(
    private readonly store: StateStore['placements'],
    private readonly liquid: TemplateEngine,
    private readonly scorers: ScorerRegistry,
  ) {}

  /** `scorers`: the kinds an item's `score` may name (a model's or a recommender's kind joins here). */
  static async open(
    store: StateStore['placements'],
    liquid: TemplateEngine,
    scorers: ScorerRegistry = BUILTIN_SCORERS,
  ): Promise<Placements> {
    const placements = new Placements(store, liquid, scorers);
    await placements.reload();
    return placements;
  }

  /** Reads every placement again (another thread changed them). */
  async reload(): Promise<void> {
    await this.order.read(
      () => this.store.list(),
      (placements) => {
        const ready = new Map<string, ReadyPlacement>();
        for (const p of placements)
          ready.set(
            p.name,
            compilePlacement(p.name, p, this.liquid, { stored: true, scorers: this.scorers }),
          );
        this.ready = ready;
      },
    );
  }

  /** The compiled placement, from memory. */
  compiled(name: string): ReadyPlacement | undefined {
    return this.ready.get(name);
  }

  /** The placements whose rules or scores read this segment or computed trait. */
  readersOf(kind: DefinitionKind, name: string): string[] {
    return [...this.ready.values()].flatMap((p) =>
      p.items.some((item) => {
        const refs = item.when === undefined ? undefined : referencesOf(item.when);
        return kind === 'segment'
          ? (refs?.segments.includes(name) ?? false)
          : [...(refs?.computed ?? []), ...(item.score?.computed ?? [])].includes(name);
      })
        ? [`placement ${p.name}`]
        : [],
    );
  }

  /** The placements that optimize, with their metrics (what the bandits' counts are kept for). */
  banditMetrics(): BanditMetric[] {
    return [...this.ready.values()].flatMap((p) => (p.bandit === undefined ? [] : [p.bandit]));
  }

  /** The longest window a capped item counts exposures in (ms; 0 when no item is capped). */
  longestCapMs(): number {
    let longest = 0;
    for (const p of this.ready.values())
      for (const item of p.items)
        if (item.cap !== undefined) longest = Math.max(longest, capWindowMs(item.cap.exposures));
    return longest;
  }

  /** The exposure counters every capped item needs kept by the pipeline. */
  async capCounters(): Promise<AggregateNode[]> {
    return (await this.store.list()).flatMap((p) =>
      p.items.flatMap((item) => (item.cap ? [exposureCounter(p.name, item.id, item.cap.per)] : [])),
    );
  }

  async put(
    name: string,
    body: PlacementBody,
    known: KnownNames,
    now: Date,
  ): Promise<{ placement: StoredPlacement; created: boolean }> {
    if (!validName(name)) {
      throw new TailorError(
        'invalid_request',
        'a name is 1 to 128 characters, without / \\ or control characters',
      );
    }
    const compiled = compilePlacement(name, body, this.liquid, { scorers: this.scorers });
    checkNames(compiled, known);
    checkTemplates(body, compiled, this.liquid);
    const previous = await this.store.get(name);
    const at = now.toISOString();
    const same =
      previous !== undefined && JSON.stringify(bodyOf(previous)) === JSON.stringify(body);
    const placement: StoredPlacement = {
      ...body,
      name,
      version: (previous?.version ?? 0) + (same ? 0 : 1),
      createdAt: previous?.createdAt ?? at,
      updatedAt: same ? previous.updatedAt : at,
    };
    await this.store.put(placement);
    this.ready.set(name, compiled);
    this.order.changed();
    return { placement, created: previous === undefined };
  }

  get(name: string): Promise<StoredPlacement | undefined> {
    return this.store.get(name);
  }

  list(): Promise<StoredPlacement[]> {
    return this.store.list();
  }

  async delete(name: string): Promise<boolean> {
    const deleted = await this.store.delete(name);
    this.ready.delete(name);
    this.order.changed();
    return deleted;
  }
}

function bodyOf(p: StoredPlacement): PlacementBody {
  return {
    items: p.items,
    default: p.default,
    ...(p.optimize !== undefined && { optimize: p.optimize }),
    ...(p.description !== undefined && { description: p.description }),
    ...(p.browserTraits !== undefined && { browserTraits: p.browserTraits }),
  };
}

/** Where a variant's template of an item is kept among a placement's templates. */
export function variantKey(itemId: string, variant: string): string {
  return `${itemId}\u0000${variant}`;
}

/**
 * Compiles a placement; a bad rule, template, schedule or duplicate id is a 400 naming the item.
 * `stored`: it was accepted when saved and is loaded again (its rules' patterns are not checked again).
 * `scorers`: the kinds an item's `score` may name, each compiled here once (not per decision).
 */
export function compilePlacement(
  name: string,
  body: PlacementBody,
  liquid: Liquid,
  options: { stored?: boolean; scorers?: ScorerRegistry } = {},
): ReadyPlacement {
  const templates = new Map<string, Template[]>();
  const parseTemplate = (id: string, field: string, text: string) => {
    try {
      templates.set(id, liquid.parse(text));
    } catch (error) {
      throw new TailorError(
        'invalid_request',
        `${field}: template does not parse: ${(error as Error).message}`,
      );
    }
  };
  const ids = new Set<string>();
  const items = body.items.map((item, i): CompiledItem => {
    const field = `items[${i}]`;
    if (ids.has(item.id) || item.id === body.default.id)
      throw new TailorError('invalid_request', `${field}.id: ${item.id} is used twice`);
    ids.add(item.id);
    parseTemplate(item.id, `${field}.template`, item.template);
    const compiled: CompiledItem = {
      id: item.id,
      priority: item.priority ?? 0,
      override: item.override === true,
    };
    if (item.when !== undefined) {
      const read = readCondition(item.when, options);
      if (!read.ok) {
        throw new TailorError('invalid_request', `${field}.when: ${read.error.message}`, {
          details: { position: read.error.position },
        });
      }
      refuseEventReads(read.value.tree, field);
      compiled.when = read.value.tree;
      compiled.whenText = read.value.text;
      compiled.holds = compileCondition(read.value.tree);
    }
    if (item.score !== undefined) {
      const score = (options.scorers ?? BUILTIN_SCORERS).compile(item.score);
      if (score.ok) compiled.score = score.value;
      else if (options.stored === true)
        // Saved when its kind was registered: it ranks below scored items rather than failing to load.
        compiled.score = { text: item.score, score: () => undefined, computed: [] };
      else throw new TailorError('invalid_request', `${field}.score: ${score.error}`);
    }
    const start = item.schedule?.start === undefined ? undefined : Date.parse(item.schedule.start);
    const end = item.schedule?.end === undefined ? undefined : Date.parse(item.schedule.end);
    if (start !== undefined && end !== undefined && end <= start)
      throw new TailorError('invalid_request', `${field}.schedule: end must be after start`);
    if (start !== undefined) compiled.start = start;
    if (end !== undefined) compiled.end = end;
    if (item.cap !== undefined) {
      const exposures = exposureCounter(name, item.id, item.cap.per);
      compiled.cap = { ...item.cap, exposures, key: aggregateKey(exposures) };
    }
    if (item.experiment !== undefined) compiled.experiment = item.experiment;
    for (const [variant, template] of Object.entries(item.variants ?? {})) {
      parseTemplate(variantKey(item.id, variant), `${field}.variants.${variant}`, template);
    }
    if (item.variants !== undefined && item.experiment === undefined) {
      throw new TailorError('invalid_request', `${field}.variants: variants need an experiment`);
    }
    return compiled;
  });
  parseTemplate(body.default.id, 'default.template', body.default.template);
  const shown =
    body.browserTraits !== undefined && body.browserTraits.length > 0
      ? { browserTraits: body.browserTraits }
      : {};
  if (body.optimize === undefined)
    return { name, items, defaultId: body.default.id, templates, ...shown };
  if (body.optimize.metric.event === 'Decision Made') {
    throw new TailorError(
      'invalid_request',
      'optimize.metric.event: Decision Made is the exposure itself, not a conversion',
    );
  }
  const bandit = {
    placement: name,
    event: body.optimize.metric.event,
    withinMs: windowMs(body.optimize.metric),
  };
  return {
    name,
    items,
    defaultId: body.default.id,
    templates,
    optimize: body.optimize,
    bandit,
    ...shown,
  };
}

/** A conversion metric's window in ms; 0 when it has none (any time after the first exposure). */
function windowMs(metric: ConversionMetric): number {
  if (metric.within === undefined) return 0;
  return (
    Number(metric.within.slice(0, -1)) *
    DURATION_MS[metric.within.slice(-1) as keyof typeof DURATION_MS]
  );
}

/**
 * Decide reads a person's state, not their event history: aggregates and sequences belong in a
 * computed trait or a segment, which the pipeline keeps current.
 */
export function refuseEventReads(tree: Parameters<typeof walkCondition>[0], field: string): void {
  walkCondition(tree, {
    condition: (c) => {
      if (c.type === 'sequence')
        throw new TailorError(
          'invalid_request',
          `${field}.when: sequences belong in a segment; use in_segment("NAME")`,
        );
    },
    operand: (o) => {
      if (o.type === 'aggregate') {
        throw new TailorError(
          'invalid_request',
          `${field}.when: ${o.fn}(...) belongs in a computed trait; read it as computed.NAME`,
        );
      }
    },
  });
}

/**
 * Templates sure to run over their limits are refused when saved (`checkTemplate`); only then, so
 * that placements saved before a limit existed still load, and fall back at decide time.
 */
function checkTemplates(
  body: PlacementBody,
  compiled: ReadyPlacement,
  engine: TemplateEngine,
): void {
  const check = (key: string, field: string) => {
    const template = compiled.templates.get(key);
    if (template !== undefined) checkTemplate(engine, template, field);
  };
  body.items.forEach((item, i) => {
    check(item.id, `items[${i}].template`);
    for (const variant of Object.keys(item.variants ?? {}))
      check(variantKey(item.id, variant), `items[${i}].variants.${variant}`);
  });
  check(body.default.id, 'default.template');
}

function checkNames(compiled: CompiledPlacement, known: KnownNames): void {
  compiled.items.forEach((item, i) => {
    const refs = item.when === undefined ? undefined : referencesOf(item.when);
    for (const s of refs?.segments ?? []) {
      if (!known.segments.has(s))
        throw new TailorError(
          'invalid_request',
          `items[${i}].when: no segment named ${JSON.stringify(s)}`,
        );
    }
    const computed = [...(refs?.computed ?? []), ...(item.score?.computed ?? [])];
    for (const c of computed) {
      if (!known.computed.has(c))
        throw new TailorError('invalid_request', `items[${i}]: no computed trait named ${c}`);
    }
  });
}

/** The window an exposure counter counts in (ms). */
export function capWindowMs(counter: AggregateNode): number {
  return durationMs(counter.window ?? { amount: 0, unit: 's' });
}
