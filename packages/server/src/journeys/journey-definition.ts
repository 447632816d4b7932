import {
  evaluateCondition,
  hashToUnit,
  inClusterOf,
  parseCondition,
  TailorError,
  type ClusterModel,
  type Condition,
} from '@tailor/core';
import type { Template } from 'liquidjs';
import type { TemplateEngine } from '../decide/template-engine.js';
import { checkTemplate } from '../decide/check-template.js';
import { Compile } from 'typebox/compile';
import {
  MAX_BRANCH_DEPTH,
  stepsSchema,
  type JourneyBody,
  type JourneyStep,
  type QuietHours,
  type SplitArm,
  type SplitSource,
} from './journey.schema.js';
import { parseOffset, parseTimeOfDay, WEEKDAYS, type WaitUntil } from './wait-until.js';

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A duration such as `2s`, `15m`, `3d` in milliseconds, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})(s|m|h|d|w)$/.exec(text);
  if (match === null) return undefined;
  const [, amount = '', unit = ''] = match;
  return Number(amount) * (UNITS[unit] ?? 0);
}

/** A step ready to run: templates parsed, conditions compiled. Steps are addressed by path (`0`, `2.then.1`). */
export type CompiledStep =
  | { kind: 'wait'; path: string; ms: number }
  | ({ kind: 'waitUntil'; path: string } & WaitUntil)
  | { kind: 'email'; path: string; subject: Template[]; html: Template[]; text?: Template[] }
  | { kind: 'webhook'; path: string; destination: string; event: string }
  | { kind: 'traits'; path: string; traits: Record<string, string | number | boolean | null> }
  | { kind: 'if'; path: string; condition: Condition; then: CompiledStep[]; else: CompiledStep[] }
  | {
      kind: 'split';
      path: string;
      source: SplitSource;
      /** Each arm: its weight (random), variant or level (experiments), and steps. */
      arms: { weight: number; key: string | undefined; steps: CompiledStep[] }[];
      else: CompiledStep[];
    }
  | {
      kind: 'waitFor';
      path: string;
      event: string;
      timeoutMs: number;
      match: string | undefined;
      then: CompiledStep[];
      else: CompiledStep[];
    };

/** A step with branches: `then` and `else`. */
export type BranchStep = Extract<CompiledStep, { kind: 'if' | 'waitFor' }>;

/** The steps a branch token (`then`, `else`, `arm2`) of a step leads to, or undefined when it has none. */
function branchList(step: CompiledStep | undefined, token: string): CompiledStep[] | undefined {
  if (step?.kind === 'if' || step?.kind === 'waitFor')
    return token === 'then' ? step.then : token === 'else' ? step.else : undefined;
  if (step?.kind !== 'split') return undefined;
  if (token === 'else') return step.else;
  const arm = /^arm(\d+)$/.exec(token);
  return arm === null ? undefined : step.arms[Number(arm[1])]?.steps;
}

/** When a scheduled entry runs: every `everyMs`, from `start` (ms) when given. */
export interface JourneySchedule {
  everyMs: number;
  start: number | undefined;
}

/** The shortest schedule: a run pages through the whole segment. */
const MIN_SCHEDULE_MS = 60_000;

function schedule(every: string, start: string | undefined): JourneySchedule {
  const everyMs = duration(every, 'entry.schedule.every');
  if (everyMs < MIN_SCHEDULE_MS)
    throw invalid('entry.schedule.every: a schedule runs at most once a minute ("1m")');
  if (start === undefined) return { everyMs, start: undefined };
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(start)
    ? Date.parse(start)
    : Number.NaN;
  if (Number.isNaN(at))
    throw invalid(
      `entry.schedule.start: "${start}" is not an ISO 8601 moment with its offset, such as "2026-12-07T09:00:00Z"`,
    );
  return { everyMs, start: at };
}

export interface CompiledJourney {
  /**
   * The track event that enters people, and for segment entries the segment it must name; for a
   * scheduled entry (no event enters), the segment and its schedule.
   */
  entry: { event: string; segment?: string; schedule?: JourneySchedule };
  steps: CompiledStep[];
  /** Every step by path, for stats and for resuming a person at their place. */
  paths: string[];
  /** The event that takes a person out of the journey, having reached its goal. */
  goal: string | undefined;
  /** How long after their last entry someone who finished may enter again: undefined never, 0 at once. */
  reenterAfterMs: number | undefined;
  /** The events some `waitFor` awaits. */
  awaits: Set<string>;
  /** The entry event's properties kept with the place, for `waitFor` matches. */
  matchKeys: string[];
  frequencyCap: { emails: number; ms: number } | undefined;
  quietHours: QuietHours | undefined;
  /** The share of people held out (0 to 1) and how long after entry their goal counts. */
  holdout: { fraction: number; windowMs: number } | undefined;
}

function invalid(message: string): TailorError {
  return new TailorError('invalid_request', message);
}

function duration(text: string, field: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw invalid(`${field}: "${text}" is not a duration such as "2s" or "3d"`);
  return ms;
}

/** An arm names what its split's source needs: a weight (random), a variant, or a factor's level. */
function checkArm(source: SplitSource, arm: SplitArm, field: string): void {
  const given = (['weight', 'variant', 'level'] as const).filter((k) => arm[k] !== undefined);
  const wanted = 'random' in source ? 'weight' : source.factor === undefined ? 'variant' : 'level';
  const extra = given.filter((k) => k !== wanted);
  if (extra.length > 0 || (wanted !== 'weight' && !given.includes(wanted)))
    throw invalid(
      `${field}: an arm of ${'random' in source ? 'a random split' : source.factor === undefined ? 'an experiment split' : 'a factor split'} names its ${wanted}${wanted === 'weight' ? ' (1 by default)' : ''} and nothing else`,
    );
}

const checkers = new Map<number, ReturnType<typeof Compile>>();

/** An arm's steps against the steps schema at the depth left (the schema leaves them open, so /openapi.json stays small). */
function checkSteps(steps: unknown, depth: number, field: string): void {
  if (depth < 0) throw invalid(`${field}: branches nest too deeply`);
  let checker = checkers.get(depth);
  if (checker === undefined) {
    checker = Compile(stepsSchema(depth));
    checkers.set(depth, checker);
  }
  if (checker.Check(steps)) return;
  const [first] = checker.Errors(steps);
  const where = first?.instancePath.replace(/^\//, '').replaceAll('/', '.') ?? '';
  throw invalid(
    `${field}${where === '' ? '' : `.${where}`}: ${first?.message ?? 'not a list of steps'}`,
  );
}

/** A `waitUntil` checked: a time of day (on some days) or a date trait (moved by an offset, at a time of day). */
function compileWaitUntil(
  step: Extract<JourneyStep, { waitUntil: unknown }>,
  path: string,
): WaitUntil {
  const { time, days, trait, offset, ifPast } = step.waitUntil;
  const field = `steps.${path}.waitUntil`;
  if (time === undefined && trait === undefined)
    throw invalid(`${field}: name a time of day (\`time\`) or a date trait (\`trait\`)`);
  if (trait === undefined && (offset !== undefined || ifPast !== undefined))
    throw invalid(`${field}: \`offset\` and \`ifPast\` go with a date \`trait\``);
  if (trait !== undefined && days !== undefined)
    throw invalid(`${field}: \`days\` go with a time of day alone, not with a date \`trait\``);
  const moved = offset === undefined ? undefined : parseOffset(offset);
  if (offset !== undefined && moved === undefined)
    throw invalid(`${field}.offset: "${offset}" is not an offset such as "-7d" or "2h"`);
  return {
    minutes: time === undefined ? undefined : parseTimeOfDay(time),
    days: days === undefined ? undefined : new Set(days.map((day) => WEEKDAYS.indexOf(day) + 1)),
    trait,
    offset: moved,
    ifPast: ifPast ?? 'continue',
  };
}

/** Checks a journey and compiles it; a bad step, duration, segment expression or Liquid template is a 400 with the reason. */
export function compileJourney(body: JourneyBody, engine: TemplateEngine): CompiledJourney {
  const paths: string[] = [];
  const awaits = new Set<string>();
  const matchKeys = new Set<string>();
  const compileSteps = (
    steps: readonly JourneyStep[],
    prefix: string,
    depth: number,
  ): CompiledStep[] => {
    if (depth > MAX_BRANCH_DEPTH) throw invalid(`${prefix}: branches nest too deeply`);
    return steps.map((step, index) => {
      const path = prefix === '' ? String(index) : `${prefix}.${index}`;
      paths.push(path);
      if ('wait' in step)
        return { kind: 'wait', path, ms: duration(step.wait, `steps.${path}.wait`) };
      if ('waitUntil' in step) return { kind: 'waitUntil', path, ...compileWaitUntil(step, path) };
      if ('email' in step) {
        const parse = (text: string, field: string): Template[] => {
          let template: Template[];
          try {
            template = engine.parse(text);
          } catch (error) {
            throw invalid(`steps.${path}.email.${field}: ${(error as Error).message}`);
          }
          checkTemplate(engine, template, `steps.${path}.email.${field}`);
          return template;
        };
        return {
          kind: 'email',
          path,
          subject: parse(step.email.subject, 'subject'),
          html: parse(step.email.html, 'html'),
          ...(step.email.text !== undefined && { text: parse(step.email.text, 'text') }),
        };
      }
      if ('webhook' in step)
        return {
          kind: 'webhook',
          path,
          destination: step.webhook.destination,
          event: step.webhook.event ?? 'Journey Webhook',
        };
      if ('traits' in step) {
        if (Object.keys(step.traits).length === 0)
          throw invalid(`steps.${path}.traits: name at least one trait`);
        return { kind: 'traits', path, traits: { ...step.traits } };
      }
      if (['if', 'waitFor', 'split'].filter((key) => key in step).length > 1)
        throw invalid(`steps.${path}: a branch is one of an if, a waitFor or a split`);
      if ('split' in step) {
        if ('then' in step) throw invalid(`steps.${path}.then: a split has arms, not then`);
        const arms = step.arms.map((arm, index) => {
          const field = `steps.${path}.arms.${index}`;
          checkArm(step.split, arm, field);
          checkSteps(arm.steps, MAX_BRANCH_DEPTH - depth - 1, `${field}.steps`);
          return {
            weight: arm.weight ?? 1,
            key: arm.variant ?? arm.level,
            steps: compileSteps(arm.steps, `${path}.arm${index}`, depth + 1),
          };
        });
        const keys = arms.map((arm) => arm.key).filter((key) => key !== undefined);
        if (new Set(keys).size < keys.length)
          throw invalid(`steps.${path}.arms: an arm per variant or level, each once`);
        return {
          kind: 'split',
          path,
          source: step.split,
          arms,
          else: compileSteps(step.else ?? [], `${path}.else`, depth + 1),
        };
      }
      if ('arms' in step) throw invalid(`steps.${path}.arms: arms go with a split`);
      if ('waitFor' in step) {
        const { event, timeout, match } = step.waitFor;
        awaits.add(event);
        if (match !== undefined) matchKeys.add(match);
        return {
          kind: 'waitFor',
          path,
          event,
          timeoutMs: duration(timeout, `steps.${path}.waitFor.timeout`),
          match,
          then: compileSteps(step.then ?? [], `${path}.then`, depth + 1),
          else: compileSteps(step.else ?? [], `${path}.else`, depth + 1),
        };
      }
      if ('if' in step) {
        if (step.then === undefined)
          throw invalid(`steps.${path}.then: an if needs its then steps`);
        const parsed = parseCondition(step.if);
        if (!parsed.ok)
          throw invalid(`steps.${path}.if: ${parsed.error.message} (at ${parsed.error.position})`);
        return {
          kind: 'if',
          path,
          condition: parsed.value,
          then: compileSteps(step.then, `${path}.then`, depth + 1),
          else: compileSteps(step.else ?? [], `${path}.else`, depth + 1),
        };
      }
      throw invalid(
        `steps.${path}: a step is a wait, a waitUntil, an email, a webhook, traits, an if, a waitFor or a split`,
      );
    });
  };
  const steps = compileSteps(body.steps, '', 0);
  const entry =
    'event' in body.entry
      ? { event: body.entry.event }
      : 'schedule' in body.entry
        ? {
            event: '',
            segment: body.entry.segment,
            schedule: schedule(body.entry.schedule.every, body.entry.schedule.start),
          }
        : {
            event: body.entry.on === 'exited' ? 'Segment Exited' : 'Segment Entered',
            segment: body.entry.segment,
          };
  const reentry = body.reentry ?? 'once';
  const cap = body.frequencyCap;
  return {
    entry,
    steps,
    paths,
    goal: body.goal?.event,
    reenterAfterMs:
      reentry === 'once'
        ? undefined
        : reentry === 'always'
          ? 0
          : duration(reentry.after, 'reentry.after'),
    awaits,
    matchKeys: [...matchKeys],
    frequencyCap:
      cap === undefined
        ? undefined
        : { emails: cap.emails, ms: duration(cap.per, 'frequencyCap.per') },
    quietHours: body.quietHours,
    holdout: holdoutOf(body),
  };
}

/** Conversions are counted for a month after entry unless the journey says otherwise. */
const DEFAULT_HOLDOUT_WINDOW = '30d';

function holdoutOf(body: JourneyBody): CompiledJourney['holdout'] {
  if (body.holdout === undefined) return undefined;
  if (body.goal === undefined)
    throw invalid('holdout: a holdout measures the goal: give the journey a goal');
  return {
    fraction: body.holdout.percent / 100,
    windowMs: duration(body.holdout.window ?? DEFAULT_HOLDOUT_WINDOW, 'holdout.window'),
  };
}

/** The holdout's window as the stats show it. */
export function holdoutWindow(body: JourneyBody): string {
  return body.holdout?.window ?? DEFAULT_HOLDOUT_WINDOW;
}

/**
 * Whether a person is held out of a journey: `hashToUnit("__journey-holdout:JOURNEY:", person)`
 * below the held-out share, the same on every entry and every node.
 */
export function heldOut(journey: string, person: string, fraction: number): boolean {
  return hashToUnit(`__journey-holdout:${journey}:`, person) < fraction;
}

/** The step at a path, and the steps after it in its own list (what follows once it is done). */
export function stepAt(steps: readonly CompiledStep[], path: string): CompiledStep | undefined {
  const parts = path.split('.');
  let list: readonly CompiledStep[] = steps;
  let step: CompiledStep | undefined;
  for (const [index, part] of parts.entries()) {
    if (index % 2 === 1) {
      const branch = branchList(step, part);
      if (branch === undefined) return undefined;
      list = branch;
      continue;
    }
    step = list[Number(part)];
    if (step === undefined) return undefined;
  }
  return step;
}

/** The path of the step after `path` once it is done (leaving branches upwards), or undefined at the end. */
export function nextPath(steps: readonly CompiledStep[], path: string): string | undefined {
  const parts = path.split('.');
  while (parts.length > 0) {
    const index = Number(parts.pop());
    const candidate = [...parts, String(index + 1)].join('.');
    if (stepAt(steps, candidate) !== undefined) return candidate;
    parts.pop(); // leave the branch ('then' / 'else'): the next step is after the `if`
  }
  return undefined;
}

/** Whether a profile matches a branch's condition (traits, computed traits, consent, clusters). */
export function branchHolds(
  condition: Condition,
  profile: ProfileView,
  clusterings: ReadonlyMap<string, ClusterModel> = new Map(),
): boolean {
  return evaluateCondition(condition, {
    inCluster: inClusterOf(clusterings, profile),
    traits: profile.traits,
    computed: profile.computed ?? {},
    model: profile.scores ?? {},
    consent: profile.consent ?? {},
  });
}

/** What a journey reads of a person. */
export interface ProfileView {
  traits: Record<string, unknown>;
  computed?: Record<string, unknown>;
  /** Model scores by model name (`model.churn.score` in a branch). */
  scores?: Record<string, unknown>;
  consent?: Record<string, unknown>;
}

/** An event as journeys read it. */
export interface JourneyEvent {
  name: string;
  person: string;
  receivedAt: number;
  properties?: Record<string, unknown> | undefined;
  /** Where the message came from (`tailor.source`): segment entries count only from `segments`. */
  source?: string | undefined;
}

/** Whether an event enters a journey: its entry event, and for segment entries, Tailor's own for that segment. */
export function entersOn(journey: CompiledJourney, event: JourneyEvent): boolean {
  const { entry } = journey;
  if (entry.schedule !== undefined || entry.event !== event.name) return false;
  return (
    entry.segment === undefined ||
    (event.source === 'segments' && event.properties?.['segment'] === entry.segment)
  );
}

/** Whether two key values are the same (`"42"` and `42` are). */
export function sameKey(expected: unknown, got: unknown): boolean {
  if (expected === undefined || expected === null || got === undefined || got === null)
    return false;
  const text = (v: unknown) =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : JSON.stringify(v);
  return text(expected) === text(got);
}

/** The path taken from a branch step: its first `then` or `else` step, or the step after it when that list is empty. */
export function branchPath(
  steps: readonly CompiledStep[],
  step: BranchStep,
  holds: boolean,
): string | undefined {
  const list = holds ? step.then : step.else;
  return list.length > 0 ? `${step.path}.${holds ? 'then' : 'else'}.0` : nextPath(steps, step.path);
}

/** A random split's arm for a person (-1 when no arm has a weight): the weights' ranges over a hash of the journey, the step and the person, so it is sticky. */
export function randomArm(
  journey: string,
  step: Extract<CompiledStep, { kind: 'split' }>,
  person: string,
): number {
  const total = step.arms.reduce((sum, arm) => sum + arm.weight, 0);
  let point = hashToUnit(`__journey:${journey}:${step.path}:`, person) * total;
  const index = step.arms.findIndex((arm) => (point -= arm.weight) < 0);
  return total > 0 && index >= 0 ? index : -1;
}

/** The path taken into a split's arm (its index; -1 for `else`): its first step, or the step after the split when the arm has none. */
export function armPath(
  steps: readonly CompiledStep[],
  step: Extract<CompiledStep, { kind: 'split' }>,
  arm: number,
): string | undefined {
  const list = arm < 0 ? step.else : (step.arms[arm]?.steps ?? []);
  const token = arm < 0 ? 'else' : `arm${arm}`;
  return list.length > 0 ? `${step.path}.${token}.0` : nextPath(steps, step.path);
}

/** Every step, branches included. */
export function* allSteps(steps: readonly CompiledStep[]): Generator<CompiledStep> {
  for (const step of steps) {
    yield step;
    if (step.kind === 'if' || step.kind === 'waitFor') {
      yield* allSteps(step.then);
      yield* allSteps(step.else);
    }
    if (step.kind === 'split') {
      for (const arm of step.arms) yield* allSteps(arm.steps);
      yield* allSteps(step.else);
    }
  }
}
