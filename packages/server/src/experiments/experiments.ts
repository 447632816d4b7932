import {
  assignVariant,
  evaluateCondition,
  inClusterOf,
  type ClusterModel,
  layerBucket,
  readCondition,
  referencesOf,
  TailorError,
  type AssignableExperiment,
  type Condition,
  type IdentifierRef,
  type StoredMessage,
} from '@tailor/core';
import { refuseEventReads, type KnownNames } from '../decide/placements.js';
import type { Person } from '../decide/person-cache.js';
import { validName } from '../segments/definitions.js';
import type { DefinitionKind, StateStore, StoredExperiment } from '../store/state-store.js';
import { armsOf, factorsOf } from './experiment-arms.js';
import { ExperimentBody, MAX_CELLS } from './experiment-body.js';
import { exposureEvent } from './exposure-event.js';
import { ReadOrder } from '../store/read-order.js';

/** An experiment ready to assign from memory: its hashing input, audience tree and times. */
interface ReadyExperiment {
  stored: StoredExperiment;
  assignable: AssignableExperiment;
  audience: Condition | undefined;
  start: number;
  stop: number;
}

export interface AssignRequest {
  userId?: string | undefined;
  anonymousId?: string | undefined;
}

export type AssignResult =
  { variant: string; factors?: Record<string, string> } | { variant: null; reason: string };

export type ExperimentStatus = 'scheduled' | 'running' | 'stopped';

export interface ExperimentsOptions {
  store: StateStore['experiments'];
  /** A person's current state by identifier, from memory when possible (the decide cache). */
  person: (identifier: IdentifierRef) => Promise<Person | undefined>;
  /** Appends exposure events to the log; resolves once they are stored. */
  record: (messages: StoredMessage[]) => Promise<unknown>;
  /** The trained clusterings `in_cluster(...)` in audiences reads. */
  clusterings?: () => ReadonlyMap<string, ClusterModel>;
}

/**
 * Experiments: stored as given, kept compiled in memory so assignment reads no disk except, with
 * an audience, the person (through the decide cache). Assignment is `assignVariant` (core): sticky
 * and the same on every node. Experiments of a layer hold disjoint slices of it, allocated when
 * they are saved and kept while they run, so two of them never share a person and nobody moves.
 */
export class Experiments {
  private ready = new Map<string, ReadyExperiment>();
  /** Readings of the store and changes made here, in order (another node or thread changes them too). */
  private readonly order = new ReadOrder();
  /** Saves run one at a time: a layer's slices are allocated from the others'. */
  private saving: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: ExperimentsOptions) {}

  static async open(options: ExperimentsOptions): Promise<Experiments> {
    const experiments = new Experiments(options);
    for (const e of await options.store.list()) experiments.ready.set(e.name, compileExperiment(e));
    return experiments;
  }

  /** Reads every experiment from the store again (another node changed one). */
  async reload(): Promise<void> {
    await this.order.read(
      () => this.options.store.list(),
      (experiments) => {
        const ready = new Map<string, ReadyExperiment>();
        for (const e of experiments) ready.set(e.name, compileExperiment(e));
        this.ready = ready;
      },
    );
  }

  put(name: string, body: ExperimentBody, known: KnownNames, now: Date): Promise<StoredExperiment> {
    const saved = this.saving.then(() => this.save(name, body, known, now));
    this.saving = saved.catch(() => undefined);
    return saved;
  }

  get(name: string): Promise<StoredExperiment | undefined> {
    return this.options.store.get(name);
  }

  list(): Promise<StoredExperiment[]> {
    return this.options.store.list();
  }

  async delete(name: string): Promise<boolean> {
    const deleted = await this.options.store.delete(name);
    this.ready.delete(name);
    this.order.changed();
    return deleted;
  }

  /** The experiments whose audience reads this segment or computed trait. */
  readersOf(kind: DefinitionKind, name: string): string[] {
    return [...this.ready.values()].flatMap(({ stored, audience }) => {
      const refs = audience === undefined ? undefined : referencesOf(audience);
      const read = kind === 'segment' ? refs?.segments : refs?.computed;
      return read?.includes(name) === true ? [`experiment ${stored.name}`] : [];
    });
  }

  /** The variant for a person, recorded as an `Experiment Viewed` event; or null and why. */
  async assign(name: string, request: AssignRequest, now: number): Promise<AssignResult> {
    const e = this.ready.get(name);
    if (e === undefined) throw new TailorError('not_found', `no experiment ${name}`);
    const unitId = request.userId ?? request.anonymousId;
    if (unitId === undefined)
      throw new TailorError('invalid_request', 'userId or anonymousId is required');
    if (now < e.start)
      return { variant: null, reason: `not started: starts at ${new Date(e.start).toISOString()}` };
    if (now >= e.stop)
      return { variant: null, reason: `stopped at ${new Date(e.stop).toISOString()}` };
    const assignment = assignVariant(e.assignable, unitId);
    if (assignment.variant === null)
      return { variant: null, reason: this.whyNot(e, assignment.reason, unitId, now) };
    if (e.audience !== undefined) {
      const person = await this.person(request);
      if (person === undefined)
        return { variant: null, reason: 'unknown person: the audience needs a profile' };
      if (!evaluateCondition(e.audience, scopeOf(person, this.options.clusterings?.())))
        return { variant: null, reason: 'not in the audience' };
    }
    await this.options.record([exposureEvent(e.stored, assignment, request, now)]);
    return assignment.factors === undefined
      ? { variant: assignment.variant }
      : { variant: assignment.variant, factors: assignment.factors };
  }

  /**
   * `assign` with the stored definition read first, for callers on another thread or node than
   * the one experiments are saved through (journeys): a new or changed experiment is compiled
   * again, a deleted one is a 404.
   */
  async assignStored(name: string, request: AssignRequest, now: number): Promise<AssignResult> {
    const stored = await this.options.store.get(name);
    if (stored === undefined) {
      this.ready.delete(name);
      this.order.changed();
      throw new TailorError('not_found', `no experiment ${name}`);
    }
    const ready = this.ready.get(name)?.stored;
    if (
      ready?.version !== stored.version ||
      ready.updatedAt !== stored.updatedAt ||
      String(ready.layerRange) !== String(stored.layerRange)
    ) {
      this.ready.set(name, compileExperiment(stored));
      this.order.changed();
    }
    return this.assign(name, request, now);
  }

  /** Running or not at `now`. */
  static status(e: Pick<StoredExperiment, 'start' | 'stop'>, now: number): ExperimentStatus {
    if (e.start !== undefined && now < Date.parse(e.start)) return 'scheduled';
    if (e.stop !== undefined && now >= Date.parse(e.stop)) return 'stopped';
    return 'running';
  }

  private whyNot(
    e: ReadyExperiment,
    reason: 'traffic' | 'layer' | 'weights',
    unitId: string,
    now: number,
  ): string {
    if (reason === 'weights') return 'no variant has a weight above 0';
    const layer = e.assignable.layer;
    if (reason === 'layer' && layer !== undefined) {
      const bucket = layerBucket(layer.name, unitId);
      for (const other of this.ready.values()) {
        const range = other.assignable.layer?.range;
        if (other === e || other.stored.layer !== layer.name || range === undefined) continue;
        if (bucket >= range[0] && bucket < range[1] && now >= other.start && now < other.stop) {
          return `in experiment ${other.stored.name} of layer ${layer.name}`;
        }
      }
    }
    return 'outside the traffic share';
  }

  private async person(request: AssignRequest): Promise<Person | undefined> {
    if (request.userId !== undefined) {
      const person = await this.options.person({ type: 'userId', value: request.userId });
      if (person !== undefined) return person;
    }
    return request.anonymousId === undefined
      ? undefined
      : this.options.person({ type: 'anonymousId', value: request.anonymousId });
  }

  private async save(
    name: string,
    body: ExperimentBody,
    known: KnownNames,
    now: Date,
  ): Promise<StoredExperiment> {
    if (!validName(name))
      throw new TailorError(
        'invalid_request',
        'a name is 1 to 128 characters, without / \\ or control characters',
      );
    checkBody(body, known);
    const previous = await this.options.store.get(name);
    const at = now.toISOString();
    const layerRange = await this.allocate(name, body, previous, now.getTime());
    const same =
      previous !== undefined && JSON.stringify(bodyOf(previous)) === JSON.stringify(bodyOf(body));
    const experiment: StoredExperiment = {
      ...body,
      name,
      version: (previous?.version ?? 0) + (same ? 0 : 1),
      createdAt: previous?.createdAt ?? at,
      updatedAt: same ? previous.updatedAt : at,
      ...(layerRange !== undefined && { layerRange }),
    };
    const ready = compileExperiment(experiment);
    await this.options.store.put(experiment);
    this.ready.set(name, ready);
    this.order.changed();
    return experiment;
  }

  /**
   * An experiment's slice of its layer, as wide as its traffic share: where it was if it still fits
   * (growing in place only adds people), else the first free gap among the slices of the layer's
   * experiments that have not stopped. A running experiment is never moved.
   */
  private async allocate(
    name: string,
    body: ExperimentBody,
    previous: StoredExperiment | undefined,
    now: number,
  ): Promise<[number, number] | undefined> {
    if (body.layer === undefined) return undefined;
    const width = body.traffic ?? 1;
    const taken = (await this.options.store.list())
      .filter(
        (e) =>
          e.name !== name &&
          e.layer === body.layer &&
          e.layerRange !== undefined &&
          Experiments.status(e, now) !== 'stopped',
      )
      .map((e) => ({ name: e.name, range: e.layerRange as [number, number] }))
      .sort((a, b) => a.range[0] - b.range[0]);
    const EPSILON = 1e-9;
    const fits = (start: number) =>
      start + width <= 1 + EPSILON &&
      taken.every(
        ({ range }) => start + width <= range[0] + EPSILON || start >= range[1] - EPSILON,
      );
    const kept = previous?.layer === body.layer ? previous.layerRange?.[0] : undefined;
    if (kept !== undefined && fits(kept)) return [kept, Math.min(1, kept + width)];
    if (
      kept !== undefined &&
      previous !== undefined &&
      Experiments.status(previous, now) === 'running'
    ) {
      throw new TailorError(
        'invalid_request',
        `traffic: ${name} runs in layer ${body.layer} at [${kept}, ${previous.layerRange?.[1]}) and cannot grow there to ${width} without taking people from ${taken.map((t) => t.name).join(', ')}`,
      );
    }
    for (const start of [0, ...taken.map((t) => t.range[1])])
      if (fits(start)) return [start, Math.min(1, start + width)];
    const used = taken.reduce((sum, t) => sum + (t.range[1] - t.range[0]), 0);
    throw new TailorError(
      'invalid_request',
      `traffic: layer ${body.layer} has no free slice of ${width} (${taken.map((t) => t.name).join(', ')} hold ${Math.round(used * 10_000) / 100}% of it)`,
    );
  }
}

const BODY_KEYS = Object.keys(ExperimentBody.properties) as (keyof ExperimentBody)[];

/** The body's fields in the schema's order, to tell an unchanged save. */
function bodyOf(e: ExperimentBody): Partial<ExperimentBody> {
  return Object.fromEntries(BODY_KEYS.filter((k) => e[k] !== undefined).map((k) => [k, e[k]]));
}

/** Refuses what cannot run: duplicate ids, no weight, an unknown control, bad times, audience or metrics. */
function checkBody(body: ExperimentBody, known: KnownNames): void {
  if (body.design !== undefined && body.factors === undefined)
    throw new TailorError('invalid_request', 'design: a fractional design needs factors');
  const ids = body.factors === undefined ? checkVariants(body) : checkFactors(body.factors, body);
  if (body.control !== undefined && !ids.has(body.control))
    throw new TailorError(
      'invalid_request',
      `control: no ${body.factors === undefined ? 'variant' : 'cell'} ${body.control}`,
    );
  if (
    body.start !== undefined &&
    body.stop !== undefined &&
    Date.parse(body.stop) <= Date.parse(body.start)
  ) {
    throw new TailorError('invalid_request', 'stop: must be after start');
  }
  if (body.audience !== undefined) checkAudience(readAudience(body.audience), known);
  const names = new Set<string>();
  body.metrics?.forEach((m, i) => {
    const field = `metrics[${i}]`;
    if (names.has(m.name))
      throw new TailorError('invalid_request', `${field}.name: ${m.name} is used twice`);
    names.add(m.name);
    if (m.type === 'mean' && m.property === undefined)
      throw new TailorError(
        'invalid_request',
        `${field}.property: a mean metric needs the property it averages`,
      );
    if (m.type !== 'mean' && m.property !== undefined)
      throw new TailorError(
        'invalid_request',
        `${field}.property: only mean metrics read a property`,
      );
  });
}

/** An A/B/n experiment's variants: present (and not beside factors), unique, one weighted. */
function checkVariants(body: ExperimentBody): Set<string> {
  if (body.variants === undefined)
    throw new TailorError(
      'invalid_request',
      'variants or factors: an experiment needs variants (A/B/n) or factors (factorial)',
    );
  const ids = new Set(body.variants.map((v) => v.id));
  if (ids.size !== body.variants.length)
    throw new TailorError('invalid_request', 'variants: ids must be unique');
  if (!body.variants.some((v) => (v.weight ?? 1) > 0))
    throw new TailorError('invalid_request', 'variants: at least one weight must be above 0');
  return ids;
}

/** A factorial experiment's factors: unique names and levels, one level weighted each, few cells. */
function checkFactors(
  factors: NonNullable<ExperimentBody['factors']>,
  { variants, design }: Pick<ExperimentBody, 'variants' | 'design'>,
): Set<string> {
  if (variants !== undefined)
    throw new TailorError(
      'invalid_request',
      'variants or factors: give one, not both (factors make the variants: one per cell)',
    );
  const names = new Set<string>();
  factors.forEach((f, i) => {
    if (names.has(f.name))
      throw new TailorError('invalid_request', `factors[${i}].name: ${f.name} is used twice`);
    names.add(f.name);
    if (new Set(f.levels.map((l) => l.id)).size !== f.levels.length)
      throw new TailorError('invalid_request', `factors[${i}].levels: ids must be unique`);
    if (!f.levels.some((l) => (l.weight ?? 1) > 0))
      throw new TailorError(
        'invalid_request',
        `factors[${i}].levels: at least one weight must be above 0`,
      );
  });
  const cells = factors.reduce((n, f) => n * f.levels.length, 1);
  if (cells > MAX_CELLS)
    throw new TailorError(
      'invalid_request',
      `factors: ${factors.map((f) => f.levels.length).join(' x ')} makes ${cells} cells, more than ${MAX_CELLS}`,
    );
  if (
    design !== undefined &&
    factors.some((f) => new Set(f.levels.map((l) => l.weight ?? 1)).size > 1)
  )
    throw new TailorError(
      'invalid_request',
      "design: a fractional design splits each factor's levels equally (leave out the weights)",
    );
  return new Set(armsOf({ factors, design }).map((c) => c.id));
}

/**
 * Parses an audience; a bad one is a 400 with the character position, as placements' rules are.
 * `stored`: it was accepted when saved and is loaded again (its patterns are not checked again).
 */
function readAudience(text: string, stored = false): Condition {
  const read = readCondition(text, { stored });
  if (!read.ok)
    throw new TailorError('invalid_request', `audience: ${read.error.message}`, {
      details: { position: read.error.position },
    });
  try {
    refuseEventReads(read.value.tree, 'audience');
  } catch (error) {
    if (error instanceof TailorError)
      throw new TailorError(
        'invalid_request',
        error.message.replace(/^audience\.when:/, 'audience:'),
      );
    throw error;
  }
  return read.value.tree;
}

function checkAudience(tree: Condition, known: KnownNames): void {
  const refs = referencesOf(tree);
  for (const s of refs.segments)
    if (!known.segments.has(s))
      throw new TailorError('invalid_request', `audience: no segment named ${JSON.stringify(s)}`);
  for (const c of refs.computed)
    if (!known.computed.has(c))
      throw new TailorError('invalid_request', `audience: no computed trait named ${c}`);
}

function compileExperiment(e: StoredExperiment): ReadyExperiment {
  const factors = factorsOf(e);
  const assignable: AssignableExperiment = {
    seed: e.seed ?? e.name,
    variants: (e.variants ?? []).map((v) => ({ id: v.id, weight: v.weight ?? 1 })),
    ...(factors !== undefined && { factors }),
    traffic: e.traffic ?? 1,
    ...(e.layer !== undefined &&
      e.layerRange !== undefined && { layer: { name: e.layer, range: e.layerRange } }),
  };
  return {
    stored: e,
    assignable,
    audience: e.audience === undefined ? undefined : readAudience(e.audience, true),
    start: e.start === undefined ? -Infinity : Date.parse(e.start),
    stop: e.stop === undefined ? Infinity : Date.parse(e.stop),
  };
}

/** What an audience reads: the person's state, as decide's rules do (aggregates and sequences are refused when saved). */
function scopeOf(person: Person, clusterings: ReadonlyMap<string, ClusterModel> = new Map()) {
  return {
    traits: person.traits,
    computed: person.computed,
    model: person.scores ?? {},
    consent: person.consent,
    context: {},
    inSegment: (segment: string) => person.segments.includes(segment),
    inCluster: inClusterOf(clusterings, person),
    aggregate: () => null,
    sequence: () => false,
  };
}
