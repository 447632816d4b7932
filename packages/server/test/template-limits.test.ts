import { afterEach, describe, expect, it } from 'vitest';
import type { Decision } from '../src/decide/decider.js';
import { createLiquid } from '../src/decide/create-liquid.js';
import { RenderMemo } from '../src/decide/render-memo.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor | undefined;
const clock = Date.UTC(2026, 10, 29, 12);
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(overrides: Parameters<typeof startTestTailor>[0] = {}) {
  t = await startTestTailor(overrides, () => clock);
  return t;
}
function admin(method: 'PUT' | 'POST', url: string, payload: object) {
  if (t === undefined) throw new Error('not started');
  return t.app.inject({ method, url, headers: { authorization: t.adminAuth }, payload });
}
async function collect(batch: Record<string, unknown>[]) {
  if (t === undefined) throw new Error('not started');
  await t.collect(batch);
}
const iso = (ms: number) => new Date(ms).toISOString();

describe('limits on rendering placement templates', () => {
  it('ends a template that runs over its limits (steps, time, memory, output) with the default, quickly and small', async () => {
    // A budget long enough that only the template itself runs out of it, even on a busy machine.
    await start({
      decide: { budgetMs: 1_000, cacheProfiles: 10, holdout: { share: 0, seed: 's' } },
    });
    const templates = {
      // Loops over a trait's range: fine for nobody (as saved), far too long for these people.
      loop: '{% for i in (1..traits.n) %}{% endfor %}done',
      nested:
        '{% for a in traits.list %}{% for b in traits.list %}{% for c in traits.list %}{% endfor %}{% endfor %}{% endfor %}done',
      doubling:
        '{% assign x = traits.seed %}{% for i in (1..traits.k) %}{% assign x = x | append: x %}{% endfor %}{{ x }}',
      captured:
        '{% assign x = traits.seed %}{% for i in (1..traits.k) %}{% capture x %}{{ x | raw }}{{ x | raw }}{% endcapture %}{% endfor %}{{ x | size }}',
      output: '{% for i in (1..traits.k) %}{{ traits.long | raw }}{% endfor %}',
    };
    for (const [name, template] of Object.entries(templates)) {
      const put = await admin('PUT', `/v1/placements/${name}`, {
        items: [{ id: 'a', priority: 0, template }],
        default: { id: 'd', template: 'D' },
      });
      expect(put.statusCode).toBe(200);
    }
    await collect([
      { type: 'identify', userId: 'loop', traits: { n: 3_000_000 }, timestamp: iso(clock) },
      {
        type: 'identify',
        userId: 'nested',
        traits: { list: Array.from({ length: 1000 }, (_, i) => i) },
        timestamp: iso(clock),
      },
      {
        type: 'identify',
        userId: 'seed',
        traits: { seed: 'aaaaaaaaaa', k: 20, long: 'x'.repeat(10_000) },
        timestamp: iso(clock),
      },
      {
        type: 'identify',
        userId: 'small',
        traits: { seed: 'b', n: 3, k: 3, long: 'b' },
        timestamp: iso(clock),
      },
    ]);
    const decideAsAdmin = async (userId: string, placements: string[]) => {
      const res = await admin('POST', '/v1/decide', { userId, placements });
      expect(res.statusCode).toBe(200);
      return { decisions: res.json<{ decisions: Decision[] }>().decisions, bytes: res.body.length };
    };
    const cases: [string, string, RegExp][] = [
      ['loop', 'loop', /^a: template failed: memory alloc limit exceeded/],
      ['nested', 'nested', /^a: template failed: template render limit exceeded/],
      ['seed', 'doubling', /^a: template failed: memory alloc limit exceeded/],
      ['seed', 'captured', /^a: template failed: output size limit exceeded/],
      ['seed', 'output', /^a: template failed: output size limit exceeded/],
    ];
    for (const [userId, placement, reason] of cases) {
      const { decisions, bytes } = await decideAsAdmin(userId, [placement]);
      expect(decisions[0]).toMatchObject({ placement, itemId: 'd', content: 'D', fallback: true });
      expect(decisions[0]?.reasons[0]).toMatch(reason);
      expect(bytes).toBeLessThan(2_000);
    }
    // Within the limits, the same templates render.
    const { decisions } = await decideAsAdmin('small', ['loop', 'doubling', 'captured', 'output']);
    expect(decisions.map((d) => [d.itemId, d.content])).toEqual([
      ['a', 'done'],
      ['a', 'bbbbbbbb'],
      ['a', '8'],
      ['a', 'bbb'],
    ]);
  });

  it('refuses, when saved, templates sure to run over their limits, with the reason and where', async () => {
    /** 10,240 characters, written five times. */
    const DOUBLED_OUTPUT =
      '{% assign s = "0123456789" %}{% for i in (1..10) %}{% assign s = s | append: s %}{% endfor %}{% for i in (1..5) %}{{ s | raw }}{% endfor %}';
    await start();
    const put = (template: string) =>
      admin('PUT', '/v1/placements/p', {
        items: [{ id: 'a', priority: 0, template }],
        default: { id: 'd', template: 'D' },
      });
    const literal = await put('Hi\n{% for i in (1..3000000) %}x{% endfor %}');
    expect(literal.statusCode).toBe(400);
    expect(literal.json()).toMatchObject({ line: 2, column: 1 });
    expect(literal.json().message).toMatch(
      /^items\[0\]\.template: loops over literal ranges may take 10000 steps in all, this one takes 3000000 \(line 2, column 1\)/,
    );
    const nested = await put(
      '{% for i in (1..200) %}{% for j in (1..200) %}x{% endfor %}{% endfor %}',
    );
    expect(nested.statusCode).toBe(400);
    expect(nested.json().message).toMatch(/this one takes 40000 \(line 1, column 24\)/);
    const doubling = await put(
      '{% assign x = "aaaaaaaaaa" %}{% for i in (1..30) %}{% assign x = x | append: x %}{% endfor %}{{ x }}',
    );
    expect(doubling.statusCode).toBe(400);
    expect(doubling.json().message).toMatch(
      /^items\[0\]\.template: template runs over its limits: memory alloc limit exceeded/,
    );
    const defaultOver = await admin('PUT', '/v1/placements/p', {
      items: [],
      default: { id: 'd', template: DOUBLED_OUTPUT },
    });
    expect(defaultOver.statusCode).toBe(400);
    expect(defaultOver.json().message).toMatch(
      /^default\.template: template runs over its limits: output size limit exceeded/,
    );
    // Loops over a range it builds: no literal loop, no memory to speak of, but for nobody it runs
    // past its time (27,000,000 steps).
    const endless = await put(
      '{% assign a = (1..300) %}{% for x in a %}{% for y in a %}{% for z in a %}{% endfor %}{% endfor %}{% endfor %}',
    );
    expect(endless.statusCode).toBe(400);
    expect(endless.json().message).toMatch(
      /^items\[0\]\.template: template runs over its limits: template render limit exceeded/,
    );
    const unparsable = await put('{% for i in (1..3) %}x');
    expect(unparsable.statusCode).toBe(400);
    expect(unparsable.json().message).toMatch(
      /^items\[0\]\.template: template does not parse: tag .* not closed, line:1, col:1/,
    );
    expect((await put('x'.repeat(50_001))).statusCode).toBe(400);
    // Loops within the bound, and templates over a limit only for some people, are saved.
    expect(
      (await put('{% for i in (1..100) %}{% for j in (1..100) %}x{% endfor %}{% endfor %}'))
        .statusCode,
    ).toBe(200);
    expect((await put('{% for i in (1..traits.n) %}x{% endfor %}')).statusCode).toBe(200);
  });

  it("stops a render at the deadline it is given (decide's remaining time budget)", () => {
    const liquid = createLiquid();
    const memo = new RenderMemo(liquid, { max: 10, maxChars: 10_000 });
    const template = liquid.parse(
      '{% for a in traits.list %}{% for b in traits.list %}{% endfor %}{% endfor %}{{ traits.name }}',
    );
    const scope = (name: string) => ({
      profile: null,
      traits: { name, list: [1, 2, 3] },
      computed: {},
      context: {},
    });
    expect(memo.render(template, scope('ann'))).toBe('ann');
    expect(() => memo.render(template, scope('bob'), -1)).toThrow(/template render limit exceeded/);
    expect(memo.render(template, scope('bob'), 1_000)).toBe('bob');
  });
});
