import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateCondition } from '@tailor/core';
import { createLiquid } from '../src/decide/create-liquid.js';
import { compilePlacement } from '../src/decide/placements.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor;
const clock = Date.UTC(2026, 10, 24, 12);
beforeEach(async () => {
  t = await startTestTailor({}, () => clock);
});
afterEach(async () => {
  await t.close();
});

function call(method: 'GET' | 'PUT', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}
const iso = (ms: number) => new Date(ms).toISOString();

describe('limits on definitions: nesting and regular expressions', () => {
  it('refuses a definition nested thousands deep with a 400, the reason and the position, as text or as a JSON tree', async () => {
    const deep = `${'('.repeat(4_990)}traits.plan = "pro"${')'.repeat(4_990)}`;
    for (const url of ['/v1/segments/deep', '/v1/computed-traits/deep']) {
      // (A computed trait's text is at most 10,000 characters: fewer levels, as deep as it gets.)
      const computed = `count("A" where ${'('.repeat(1_000)}true${')'.repeat(1_000)})`;
      const res = await call('PUT', url, {
        definition: url.includes('computed') ? computed : deep,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'invalid_request',
        position: url.includes('computed') ? 414 : 400,
      });
      expect(res.json().message).toMatch(/nested more than 400 deep/);
    }
    // Written out: JSON.stringify itself runs out of stack on a tree this deep.
    const leaf = JSON.stringify({
      type: 'compare',
      op: '=',
      left: { type: 'path', root: 'traits', path: ['plan'] },
      right: { type: 'literal', value: 'pro' },
    });
    const tree = `${'{"type":"not","child":'.repeat(4_990)}${leaf}${'}'.repeat(4_990)}`;
    const asTree = await t.app.inject({
      method: 'PUT',
      url: '/v1/segments/deep',
      headers: { authorization: t.adminAuth, 'content-type': 'application/json' },
      payload: `{"definition":${tree}}`,
    });
    expect(asTree.statusCode).toBe(400);
    // Refused with the reason, whichever check meets it first: the body's nesting, or the tree's.
    expect(asTree.json()).toMatchObject({ code: 'invalid_request' });
    expect(asTree.json().message).toMatch(/nest/);
    // Placement rules and experiment audiences are read by the same parser.
    const placement = await call('PUT', '/v1/placements/p', {
      items: [{ id: 'a', priority: 0, when: deep, template: 'A' }],
      default: { id: 'd', template: 'D' },
    });
    expect(placement.statusCode).toBe(400);
    expect(placement.json()).toMatchObject({ position: 400 });
    expect(
      (
        await call('PUT', '/v1/segments/deep', {
          definition: `${'('.repeat(400)}traits.plan = "pro"${')'.repeat(400)}`,
        })
      ).statusCode,
    ).toBe(200);
  });

  it('refuses patterns the linear-time engine cannot run, with the position', async () => {
    const res = await call('PUT', '/v1/segments/s', {
      definition: 'traits.plan = "pro" and traits.email matches /^(?!admin).*@acme\\.com$/',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_request', position: 45 });
    expect(res.json().message).toMatch(
      /^unsupported regular expression: invalid or unsupported Perl syntax: `\(\?!`; .*without backreferences or lookaround/,
    );
    const backreference = await call('PUT', '/v1/segments/s', {
      definition: 'traits.name matches /(.)\\1/',
    });
    expect(backreference.statusCode).toBe(400);
    expect(backreference.json()).toMatchObject({ position: 20 });
    // Linear, but a program of 16,005 instructions: one write-key decide took 2.7 s with it in a
    // placement rule, one identify held the pipeline 3.7 s with it in a segment.
    const huge =
      '(?:a{0,1000}){0,1}(?:a{0,1000})a{0,1000}a{0,1000}a{0,1000}a{0,1000}a{0,1000}a{0,1000}(b|!)';
    const large = await call('PUT', '/v1/segments/s', {
      definition: `context.q matches /${huge}/`,
    });
    expect(large.statusCode).toBe(400);
    expect(large.json()).toMatchObject({ position: 18 });
    expect(large.json().message).toMatch(/^regular expression too large: 16005 instructions/);
    const rule = await call('PUT', '/v1/placements/p', {
      items: [{ id: 'a', when: `context.q matches /${huge}/`, template: 'A' }],
      default: { id: 'd', template: 'D' },
    });
    expect(rule.statusCode).toBe(400);
    expect(rule.json().message).toMatch(/too large: 16005 instructions/);
  });

  it('still loads a placement whose rule was saved before patterns were held to RE2; that rule matches nothing', () => {
    const body = {
      items: [{ id: 'a', priority: 0, when: 'traits.code matches /^(?!x)/', template: 'A' }],
      default: { id: 'd', template: 'D' },
    };
    expect(() => compilePlacement('p', body, createLiquid())).toThrow(
      /unsupported regular expression/,
    );
    const loaded = compilePlacement('p', body, createLiquid(), { stored: true });
    const when = loaded.items[0]?.when;
    expect(when).toMatchObject({ type: 'matches', pattern: '^(?!x)' });
    expect(evaluateCondition(when!, { traits: { code: 'abc' } })).toBe(false);
  });

  it('runs a pattern that backtracks exponentially in JavaScript on long values without stalling the pipeline', async () => {
    // JavaScript's engine took 2.7 s on 28 characters with this pattern, doubling with each one more.
    expect(
      (await call('PUT', '/v1/segments/aaa', { definition: 'traits.code matches /^(a+)+$/' }))
        .statusCode,
    ).toBe(200);
    const identify = (userId: string, code: string) => ({
      type: 'identify',
      userId,
      traits: { code },
      timestamp: iso(clock),
    });
    await t.collect([
      identify('evil', `${'a'.repeat(5_000)}!`),
      identify('good', 'a'.repeat(5_000)),
      identify('long', 'a'.repeat(10_001)),
    ]);
    const segmentsOf = async (userId: string) =>
      (await call('GET', `/v1/profiles?identifier=userId:${userId}`)).json().segments as string[];
    expect(await segmentsOf('evil')).toEqual([]);
    expect(await segmentsOf('good')).toEqual(['aaa']);
    // Past 10,000 characters a value does not match (the documented bound).
    expect(await segmentsOf('long')).toEqual([]);
  });
});
