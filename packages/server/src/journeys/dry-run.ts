import type { ClusterModel } from '@tailor/core';
import type { TemplateEngine } from '../decide/template-engine.js';
import {
  armPath,
  branchHolds,
  branchPath,
  nextPath,
  randomArm,
  stepAt,
  type CompiledJourney,
  type CompiledStep,
  type ProfileView,
} from './journey-definition.js';
import type { QuietHours } from './journey.schema.js';
import { quietUntil } from './quiet-hours.js';
import { waitUntilMoment } from './wait-until.js';

/** What a dry run reads: the journey, the person's profile as it is now, and their time zone. */
export interface DryRunInput {
  name: string;
  journey: CompiledJourney;
  person: string;
  profile: ProfileView | undefined;
  /** When they would enter (ms). */
  at: number;
  zone: string;
  quietHours: QuietHours | undefined;
  engine: TemplateEngine;
  clusterings?: ReadonlyMap<string, ClusterModel>;
}

/** A step the person would reach, when, and what it would do. */
export interface DryRunStep {
  path: string;
  kind: CompiledStep['kind'];
  /** When they would reach it (ISO 8601). */
  at: string;
  note: string;
  email?: {
    to: string | null;
    subject: string;
    html: string;
    text?: string;
    sent: boolean;
    reason?: string;
  };
}

export interface DryRun {
  steps: DryRunStep[];
  /**
   * How the walk ended: at the end, leaving at a `waitUntil`, at a step only the run decides (an
   * experiment split), or before the first step (the person is in the journey's holdout).
   */
  end: 'finished' | 'exited' | 'undecided' | 'held-out';
}

const RENDER_MS = 2000;

/**
 * Which steps a person would go through and which emails they would get if they entered now,
 * from their profile as it is: nothing is sent, stored or recorded. Branches are taken on the
 * profile now, waits add up from the entry, a `waitFor` is shown timing out (its `else`), a random
 * split takes the arm the person would take; an experiment split stops the walk (assigning would
 * record an exposure). Frequency caps are not counted.
 */
export function dryRunJourney(input: DryRunInput): DryRun {
  const { journey, profile } = input;
  const traits = profile?.traits ?? {};
  const steps: DryRunStep[] = [];
  let at = input.at;
  let path: string | undefined = journey.steps.length > 0 ? '0' : undefined;
  while (path !== undefined && steps.length <= journey.paths.length) {
    const step = stepAt(journey.steps, path);
    if (step === undefined) break;
    const add = (note: string, extra: Partial<DryRunStep> = {}) =>
      steps.push({
        path: step.path,
        kind: step.kind,
        at: new Date(at).toISOString(),
        note,
        ...extra,
      });
    switch (step.kind) {
      case 'wait':
        add(`waits ${step.ms / 1000} s`);
        at += step.ms;
        break;
      case 'waitUntil': {
        const next = waitUntilMoment(step, at, traits, input.zone);
        if ('exit' in next) {
          add(`leaves the journey: ${step.trait ?? 'the date'} is past or not a date`);
          return { steps, end: 'exited' };
        }
        add(`waits until ${new Date(next.until).toISOString()} (${input.zone})`);
        at = next.until;
        break;
      }
      case 'waitFor':
        add(`waits up to ${step.timeoutMs / 1000} s for ${step.event}; shown timing out (else)`);
        at += step.timeoutMs;
        path = branchPath(journey.steps, step, false);
        continue;
      case 'if': {
        const holds = branchHolds(step.condition, profile ?? { traits: {} }, input.clusterings);
        add(holds ? 'the condition holds: then' : 'the condition does not hold: else');
        path = branchPath(journey.steps, step, holds);
        continue;
      }
      case 'split': {
        if (!('random' in step.source)) {
          add(`split by experiment ${step.source.experiment}: the arm is assigned when reached`);
          return { steps, end: 'undecided' };
        }
        const arm = randomArm(input.name, step, input.person);
        add(arm < 0 ? 'random split: else' : `random split: arm ${arm}`);
        path = armPath(journey.steps, step, arm);
        continue;
      }
      case 'email': {
        const until =
          input.quietHours === undefined ? undefined : quietUntil(at, input.quietHours, input.zone);
        if (until !== undefined) at = until;
        add(until === undefined ? 'email' : 'email, held until quiet hours end', {
          email: previewEmail(input, step, traits),
        });
        break;
      }
      case 'webhook':
        add(`webhook ${step.event} to destination ${step.destination}`);
        break;
      case 'traits':
        add(`sets ${Object.keys(step.traits).join(', ')}`);
        break;
      default:
        return assertNever(step);
    }
    path = nextPath(journey.steps, path);
  }
  return { steps, end: 'finished' };
}

/** The email as the person would get it now, and whether it would go (an address, marketing not refused). */
function previewEmail(
  input: DryRunInput,
  step: Extract<CompiledStep, { kind: 'email' }>,
  traits: Record<string, unknown>,
): NonNullable<DryRunStep['email']> {
  const { engine, profile } = input;
  const scope = { profile, traits, computed: profile?.computed ?? {}, context: {} };
  const to = typeof traits['email'] === 'string' && traits['email'] !== '' ? traits['email'] : null;
  const reason =
    profile === undefined
      ? 'no profile'
      : to === null
        ? 'no traits.email'
        : profile.consent?.['marketing'] === false
          ? 'marketing refused'
          : undefined;
  return {
    to,
    subject: engine.renderBounded(step.subject, scope, RENDER_MS),
    html: engine.renderBounded(step.html, scope, RENDER_MS),
    ...(step.text !== undefined && { text: engine.renderBounded(step.text, scope, RENDER_MS) }),
    sent: reason === undefined,
    ...(reason !== undefined && { reason }),
  };
}

function assertNever(value: never): never {
  throw new Error(`unexpected step ${JSON.stringify(value)}`);
}
