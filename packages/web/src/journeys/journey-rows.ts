/** A journey's step as GET /v1/journeys gives it. */
export type JourneyStep =
  | { wait: string }
  | {
      waitUntil: {
        time?: string;
        days?: string[];
        trait?: string;
        offset?: string;
        ifPast?: 'continue' | 'exit';
      };
    }
  | { email: { subject: string; html: string } }
  | { webhook: { destination: string; event?: string } }
  | { traits: Record<string, unknown> }
  | { if: string; then: JourneyStep[]; else?: JourneyStep[] }
  | {
      waitFor: { event: string; timeout: string; match?: string };
      then?: JourneyStep[];
      else?: JourneyStep[];
    }
  | {
      split: { random: true } | { experiment: string; factor?: string };
      arms: { weight?: number; variant?: string; level?: string; steps: JourneyStep[] }[];
      else?: JourneyStep[];
    };

export interface Journey {
  name: string;
  entry:
    | { event: string }
    | { segment: string; on?: 'entered' | 'exited' }
    | { segment: string; schedule: { every: string; start?: string } };
  steps: JourneyStep[];
  goal?: { event: string };
}

/** What enters people: the event's name, Tailor's segment event with the segment, or a schedule. */
export function entryText(entry: Journey['entry']): string {
  if ('event' in entry) return entry.event;
  if ('schedule' in entry) return `everyone in ${entry.segment}, every ${entry.schedule.every}`;
  return `${entry.on === 'exited' ? 'Segment Exited' : 'Segment Entered'} (${entry.segment})`;
}

/** A step's counts as GET /v1/journeys/NAME/stats answers them (docs/journeys.md, "Measure"). */
export interface StepCounts {
  entered: number;
  waiting: number;
  done: number;
  /** Whose time in the journey ended at this step (the last they reached), other than by the goal. */
  left: number;
  /** Who reached the goal while at this step. */
  goal: number;
}

/** One line of a journey's table: the step's path as the stats name it, its depth and what it does. */
export interface JourneyRow {
  path: string;
  depth: number;
  /** Within a branch: which side it is on (`then`, `else`, or a split's arm: its variant, level or share). */
  branch?: string;
  text: string;
  counts: StepCounts;
}

const NONE: StepCounts = { entered: 0, waiting: 0, done: 0, left: 0, goal: 0 };

/**
 * The steps in reading order, each with its counts from GET /v1/journeys/NAME/stats (keyed `0`,
 * `1.then.0`, …); a step no one reached yet counts zero.
 */
export function journeyRows(
  steps: readonly JourneyStep[],
  stats: Readonly<Record<string, StepCounts>>,
  prefix = '',
  depth = 0,
  branch?: string,
): JourneyRow[] {
  return steps.flatMap((step, index) => {
    const path = `${prefix}${String(index)}`;
    const row: JourneyRow = {
      path,
      depth,
      text: stepText(step),
      counts: stats[path] ?? NONE,
      ...(branch === undefined ? {} : { branch }),
    };
    if ('split' in step) {
      const total = step.arms.reduce((sum, arm) => sum + (arm.weight ?? 1), 0);
      return [
        row,
        ...step.arms.flatMap((arm, k) =>
          journeyRows(
            arm.steps,
            stats,
            `${path}.arm${String(k)}.`,
            depth + 1,
            armLabel(arm, total),
          ),
        ),
        ...journeyRows(step.else ?? [], stats, `${path}.else.`, depth + 1, 'else'),
      ];
    }
    if (!('if' in step) && !('waitFor' in step)) return [row];
    return [
      row,
      ...journeyRows(step.then ?? [], stats, `${path}.then.`, depth + 1, 'then'),
      ...journeyRows(step.else ?? [], stats, `${path}.else.`, depth + 1, 'else'),
    ];
  });
}

function stepText(step: JourneyStep): string {
  if ('wait' in step) return `Wait ${step.wait}`;
  if ('waitUntil' in step) return waitUntilText(step.waitUntil);
  if ('email' in step) return `Email “${step.email.subject}”`;
  if ('webhook' in step) return `Webhook to ${step.webhook.destination}`;
  if ('traits' in step) return `Set ${Object.keys(step.traits).join(', ')}`;
  if ('waitFor' in step) {
    const { event, timeout, match } = step.waitFor;
    return `Wait up to ${timeout} for ${event}${match === undefined ? '' : ` (same ${match})`}`;
  }
  if ('split' in step) {
    const { split } = step;
    if ('random' in split) return 'Split at random';
    return `Split by experiment ${split.experiment}${split.factor === undefined ? '' : ` (${split.factor})`}`;
  }
  return `If ${step.if}`;
}

/** A split arm's label: its variant or level, or its share of a random split. */
function armLabel(
  arm: { weight?: number; variant?: string; level?: string },
  total: number,
): string {
  if (arm.variant !== undefined) return arm.variant;
  if (arm.level !== undefined) return arm.level;
  return `${String(Math.round(((arm.weight ?? 1) / (total || 1)) * 100))}%`;
}

function waitUntilText({
  time,
  days,
  trait,
  offset,
  ifPast,
}: Extract<JourneyStep, { waitUntil: unknown }>['waitUntil']): string {
  const at = time === undefined ? '' : ` at ${time}`;
  if (trait === undefined) return `Wait until ${time ?? ''}${days ? ` (${days.join(', ')})` : ''}`;
  const moved = offset === undefined ? '' : ` ${offset.startsWith('-') ? '' : '+'}${offset}`;
  return `Wait until ${trait}${moved}${at}${ifPast === 'exit' ? ' (leave if past)' : ''}`;
}
