import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileJourney } from './journey-definition.js';
import { createLiquid } from '../decide/create-liquid.js';
import { waitUntilMoment, type WaitUntil } from './wait-until.js';

/** [case, waitUntil step, at, traits, zone, expected moment or "exit"], made by Python's zoneinfo. */
type Case = [string, Record<string, unknown>, string, Record<string, unknown>, string, string];
const CASES = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/wait-until/wait-until-reference.json', import.meta.url),
    'utf8',
  ),
) as Case[];

/** The step as a journey compiles it (the route's checks included). */
function compiled(waitUntil: Record<string, unknown>): WaitUntil {
  const journey = compileJourney({ entry: { event: 'E' }, steps: [{ waitUntil }] }, createLiquid());
  const step = journey.steps[0];
  if (step?.kind !== 'waitUntil') throw new Error('not a waitUntil');
  return step;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');

describe('waitUntilMoment', () => {
  it.each(CASES)('%s', (_name, waitUntil, at, traits, zone, expected) => {
    const answer = waitUntilMoment(compiled(waitUntil), Date.parse(at), traits, zone);
    expect('exit' in answer ? 'exit' : iso(answer.until)).toBe(expected);
  });

  it.each(CASES.filter((c) => c[5] !== 'exit'))(
    '%s: read again at its own moment, it goes on then',
    (_name, waitUntil, _at, traits, zone, expected) => {
      const until = Date.parse(expected);
      expect(waitUntilMoment(compiled(waitUntil), until, traits, zone)).toEqual({ until });
    },
  );

  it('refuses a step naming neither a time nor a trait, and options that do not go together', () => {
    expect(() => compiled({})).toThrow(/name a time of day/);
    expect(() => compiled({ time: '09:00', offset: '-7d' })).toThrow(/go with a date `trait`/);
    expect(() => compiled({ trait: 'renewalDate', days: ['mon'] })).toThrow(/`days` go with/);
  });
});
