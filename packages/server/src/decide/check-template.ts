import { toValueSync, TypeGuards, type Template } from 'liquidjs';
import { TailorError } from '@tailor/core';
import {
  isLimitError,
  isTimeLimitError,
  TEMPLATE_LIMITS,
  type TemplateEngine,
} from './template-engine.js';

/** The scope of a trial render: nobody known, an empty request. */
const EMPTY_SCOPE = { profile: null, traits: {}, computed: {}, context: {} };

/**
 * Refuses, when a placement is saved, a template that is sure to run over its limits: loops over
 * literal ranges longer than `TEMPLATE_LIMITS.literalLoopSteps` (nested ones multiplied), and a
 * template that runs over its memory, output or time limit rendered for nobody with an empty
 * request (a string doubling itself, loops over ranges it builds).
 */
export function checkTemplate(engine: TemplateEngine, template: Template[], field: string): void {
  const loop = longLiteralLoop(template, 1);
  if (loop !== undefined) {
    const [line, column] = loop.token.getPosition();
    throw new TailorError(
      'invalid_request',
      `${field}: loops over literal ranges may take ${TEMPLATE_LIMITS.literalLoopSteps} steps in all, this one takes ${loop.steps} (line ${line}, column ${column})`,
      { details: { line, column } },
    );
  }
  // A render for nobody that runs out of time is tried once more (the machine may be busy) before
  // the template is refused: one that takes its whole time for nobody would for everyone.
  let error = trialError(engine, template);
  if (error !== undefined && isTimeLimitError(error)) error = trialError(engine, template);
  // Other errors may depend on the person or the request: those serve the default at decide time.
  if (error !== undefined && isLimitError(error))
    throw new TailorError(
      'invalid_request',
      `${field}: template runs over its limits: ${(error as Error).message}`,
    );
}

/** What a render for nobody with an empty request throws, if anything. */
function trialError(engine: TemplateEngine, template: Template[]): unknown {
  try {
    engine.renderBounded(template, EMPTY_SCOPE);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The first loop (`for`, `tablerow`) over literal ranges whose steps, times those of the loops around it, go past the limit. */
function longLiteralLoop(
  templates: readonly Template[],
  outerSteps: number,
): { token: Template['token']; steps: number } | undefined {
  for (const template of templates) {
    const steps = outerSteps * literalSteps(template);
    if (steps > TEMPLATE_LIMITS.literalLoopSteps) return { token: template.token, steps };
    const children =
      template.children === undefined ? [] : toValueSync(template.children(false, true));
    const found = longLiteralLoop(children, steps);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The steps of a loop over a literal range such as `(1..100)`; 1 for anything else. */
function literalSteps(template: Template): number {
  const collection = (template as { collection?: unknown }).collection;
  if (!TypeGuards.isRangeToken(collection)) return 1;
  const { lhs, rhs } = collection;
  if (!TypeGuards.isNumberToken(lhs) || !TypeGuards.isNumberToken(rhs)) return 1;
  return Math.max(1, Math.floor(rhs.content) - Math.ceil(lhs.content) + 1);
}
