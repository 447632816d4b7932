import { describe, expect, it } from 'vitest';
import { compileTrackingPlan } from './check-tracking-plan.js';

const plan = (pattern: string) =>
  compileTrackingPlan({
    target: 'event:Signed Up',
    mode: 'allow',
    schema: { type: 'object', properties: { code: { type: 'string', pattern } } },
  });

describe('patterns in tracking plans', () => {
  it('run in linear time: a pattern that backtracks exponentially in JavaScript answers on long values', () => {
    const compiled = plan('^(a+)+$');
    if (!compiled.ok) throw new Error(compiled.error);
    expect(compiled.value.check({ code: `${'a'.repeat(5_000)}!` })).toEqual([
      { event: 'Signed Up', rule: '/code pattern', message: 'must match pattern "^(a+)+$"' },
    ]);
    expect(compiled.value.check({ code: 'a'.repeat(5_000) })).toEqual([]);
    // Past 10,000 characters a value does not match.
    expect(compiled.value.check({ code: 'a'.repeat(10_001) })).toHaveLength(1);
  });

  it('refuses a plan whose pattern the linear-time engine cannot run', () => {
    const refused = plan('^(?!test)');
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.error).toMatch(/^schema does not compile: .*unsupported Perl syntax/);
  });

  it('refuses a plan whose pattern compiles to too large a program (a public /v1/track took 4.2 s)', () => {
    const refused = plan(
      '(?:a{0,1000}){0,1}(?:a{0,1000})a{0,1000}a{0,1000}a{0,1000}a{0,1000}a{0,1000}a{0,1000}(b|!)',
    );
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.error).toMatch(/^schema does not compile: .*too large: 16005 instructions/);
  });

  it('checks each plan with its own pattern, not the first one compiled (Ajv keys patterns by toString)', () => {
    const first = plan('^first-');
    const second = plan('^second-');
    if (!first.ok || !second.ok) throw new Error('plans should compile');
    expect(first.value.check({ code: 'first-1' })).toEqual([]);
    expect(second.value.check({ code: 'second-1' })).toEqual([]);
    expect(second.value.check({ code: 'first-1' })).toEqual([
      { event: 'Signed Up', rule: '/code pattern', message: 'must match pattern "^second-"' },
    ]);
  });
});
