import { evaluateCondition, parseCondition, TailorError, type Condition } from '@tailor/core';
import type { Template } from 'liquidjs';
import type { TemplateEngine } from '../decide/template-engine.js';
import { checkTemplate } from '../decide/check-template.js';
import { MAX_BRANCH_DEPTH, type JourneyBody, type JourneyStep } from './journey.schema.js';

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
  | { kind: 'email'; path: string; subject: Template[]; html: Template[] }
  | { kind: 'if'; path: string; condition: Condition; then: CompiledStep[]; else: CompiledStep[] };

export interface CompiledJourney {
  entryEvent: string;
  steps: CompiledStep[];
  /** Every step by path, for stats and for resuming a person at their place. */
  paths: string[];
}

function invalid(message: string): TailorError {
  return new TailorError('invalid_request', message);
}

/** Checks a journey and compiles it; a bad step, duration, segment expression or Liquid template is a 400 with the reason. */
export function compileJourney(body: JourneyBody, engine: TemplateEngine): CompiledJourney {
  const paths: string[] = [];
  const compileSteps = (
    steps: readonly JourneyStep[],
    prefix: string,
    depth: number,
  ): CompiledStep[] => {
    if (depth > MAX_BRANCH_DEPTH) throw invalid(`${prefix}: branches nest too deeply`);
    return steps.map((step, index) => {
      const path = prefix === '' ? String(index) : `${prefix}.${index}`;
      paths.push(path);
      if ('wait' in step) {
        const ms = parseDuration(step.wait);
        if (ms === undefined)
          throw invalid(
            `steps.${path}.wait: "${step.wait}" is not a duration such as "2s" or "3d"`,
          );
        return { kind: 'wait', path, ms };
      }
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
        };
      }
      if ('if' in step) {
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
      throw invalid(`steps.${path}: a step is a wait, an email or an if`);
    });
  };
  const steps = compileSteps(body.steps, '', 0);
  return { entryEvent: body.entry.event, steps, paths };
}

/** The step at a path, and the steps after it in its own list (what follows once it is done). */
export function stepAt(steps: readonly CompiledStep[], path: string): CompiledStep | undefined {
  const parts = path.split('.');
  let list: readonly CompiledStep[] = steps;
  let step: CompiledStep | undefined;
  for (const part of parts) {
    if (part === 'then' || part === 'else') {
      if (step?.kind !== 'if') return undefined;
      list = part === 'then' ? step.then : step.else;
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

/** Whether a profile matches a branch's condition (traits, computed traits and consent). */
export function branchHolds(condition: Condition, profile: ProfileView): boolean {
  return evaluateCondition(condition, {
    traits: profile.traits,
    computed: profile.computed ?? {},
    consent: profile.consent ?? {},
  });
}

/** What a journey reads of a person. */
export interface ProfileView {
  traits: Record<string, unknown>;
  computed?: Record<string, unknown>;
  consent?: Record<string, unknown>;
}
