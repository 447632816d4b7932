// Segment benchmarks.
//   A. Rule evaluation: the same 20 rules over the same 100,000 profiles, Tailor's evaluator
//      (parsed once) against json-rules-engine (npm), in one run. Target: >= 20x faster.
//   B. Per-event cost with 10, 100 and 1,000 segments defined, each event touching few of them:
//      feeding the event and re-evaluating what it can change. Target: nearly flat.
// Env: BENCH_PROFILES (100000), BENCH_EVENTS (200000).
import {
  compileDefinitions,
  emptyDerivedState,
  evaluateCondition,
  feedEvent,
  parseCondition,
  refreshDerived,
} from '@tailor/core';
import { Engine } from 'json-rules-engine';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
let seed = 11;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = (list) => list[Math.floor(random() * list.length)];
const parse = (text) => {
  const r = parseCondition(text);
  if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
  return r.value;
};

// --- A. The same 20 rules in both engines -------------------------------------------------
const PLANS = ['free', 'pro', 'team', 'enterprise'];
const COUNTRIES = ['FR', 'DE', 'US', 'GB', 'ES', 'IT', 'JP', 'BR'];
const profiles = Array.from({ length: PROFILES }, () => ({
  traits: {
    plan: pick(PLANS),
    country: pick(COUNTRIES),
    age: 18 + Math.floor(random() * 60),
    newsletter: random() < 0.4,
  },
  computed: {
    orders_30d: Math.floor(random() * 8),
    revenue_365d: Math.round(random() * 5000),
    days_since_order: Math.floor(random() * 400),
    views_7d: Math.floor(random() * 50),
  },
}));
// [text in Tailor's language, the same rule as json-rules-engine conditions]
const fact = (path) => ({
  fact: path.split('.')[0],
  path: `$.${path.split('.').slice(1).join('.')}`,
});
const cmp = (path, operator, value) => ({ ...fact(path), operator, value });
const RULES = [];
for (let i = 0; i < 5; i++) {
  const plan = PLANS[i % 4];
  const n = 1 + i;
  RULES.push([
    `traits.plan = "${plan}" and computed.orders_30d >= ${n}`,
    {
      all: [
        cmp('traits.plan', 'equal', plan),
        cmp('computed.orders_30d', 'greaterThanInclusive', n),
      ],
    },
  ]);
  RULES.push([
    `computed.revenue_365d > ${1000 * n} or computed.views_7d >= ${10 * n}`,
    {
      any: [
        cmp('computed.revenue_365d', 'greaterThan', 1000 * n),
        cmp('computed.views_7d', 'greaterThanInclusive', 10 * n),
      ],
    },
  ]);
  RULES.push([
    `traits.country in ["${COUNTRIES[i]}", "${COUNTRIES[i + 1]}"] and traits.age < ${30 + 5 * i}`,
    {
      all: [
        cmp('traits.country', 'in', [COUNTRIES[i], COUNTRIES[i + 1]]),
        cmp('traits.age', 'lessThan', 30 + 5 * i),
      ],
    },
  ]);
  RULES.push([
    `computed.days_since_order > ${60 * n} and not traits.newsletter = true`,
    {
      all: [
        cmp('computed.days_since_order', 'greaterThan', 60 * n),
        { not: cmp('traits.newsletter', 'equal', true) },
      ],
    },
  ]);
}

async function benchRules() {
  const trees = RULES.map(([text]) => parse(text));
  let t = performance.now();
  const ours = new Array(RULES.length).fill(0);
  for (const p of profiles)
    trees.forEach((tree, i) => (ours[i] += evaluateCondition(tree, p) ? 1 : 0));
  const oursMs = performance.now() - t;

  const engine = new Engine([], { allowUndefinedFacts: true });
  RULES.forEach(([, conditions], i) =>
    engine.addRule({ conditions, event: { type: `r${i}` }, name: `r${i}` }),
  );
  const theirs = new Array(RULES.length).fill(0);
  t = performance.now();
  for (const p of profiles) {
    const { events } = await engine.run({ traits: p.traits, computed: p.computed });
    for (const e of events) theirs[Number(e.type.slice(1))]++;
  }
  const theirsMs = performance.now() - t;
  const agree = ours.every((n, i) => n === theirs[i]);
  if (!agree) throw new Error(`the engines disagree: ${ours} vs ${theirs}`);
  const result = {
    profiles: PROFILES,
    rules: RULES.length,
    tailorMs: oursMs,
    jsonRulesEngineMs: theirsMs,
    speedup: theirsMs / oursMs,
  };
  console.log(
    `A. ${RULES.length} rules x ${PROFILES.toLocaleString('en-US')} profiles: Tailor ${oursMs.toFixed(0)} ms ` +
      `(${((PROFILES * RULES.length) / oursMs / 1000).toFixed(1)} M evaluations/s), json-rules-engine ${theirsMs.toFixed(0)} ms; ` +
      `**${result.speedup.toFixed(1)}x**; both found the same members for every rule`,
  );
  return result;
}

// --- B. Per-event cost as segments grow ----------------------------------------------------
function benchPerEvent(segments, warmup = false) {
  // Two segments read each event name (a windowed count with a filter, and a trait), so an event
  // can change two segments whatever their number. Each person does a handful of kinds of thing:
  // five event names per profile.
  const names = Math.max(1, segments / 2);
  const defs = Array.from({ length: segments }, (_, i) => ({
    name: `s${i}`,
    tree: parse(
      `count("Event ${i % names}" where properties.tier = ${i % 3}, 7d) >= ${1 + (i % 4)} and traits.plan != "free"`,
    ),
  }));
  const plan = compileDefinitions([], defs);
  const states = Array.from({ length: 1000 }, () => emptyDerivedState());
  const traits = { plan: 'pro' };
  let now = Date.UTC(2026, 10, 1);
  const t = performance.now();
  for (let e = 0; e < EVENTS; e++) {
    now += 50;
    const person = e % states.length;
    const state = states[person];
    const event = {
      event: `Event ${(person * 7 + (e % 5)) % names}`,
      properties: { tier: e % 3 },
      context: {},
    };
    feedEvent(plan, state, event, now);
    refreshDerived(plan, state, { traits, consent: {} }, now, { event: event.event });
  }
  const us = ((performance.now() - t) * 1000) / EVENTS;
  if (warmup) return undefined;
  console.log(
    `B. ${String(segments).padStart(5)} segments: ${us.toFixed(2)} us per event (${Math.round(1e6 / us).toLocaleString('en-US')} events/s)`,
  );
  return { segments, usPerEvent: us };
}

const a = await benchRules();
benchPerEvent(100, true); // warm-up: let the JIT settle before measuring
const b = [10, 100, 1000].map((n) => benchPerEvent(n));
console.log(JSON.stringify({ rules: a, perEvent: b }));
