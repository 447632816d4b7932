// The decision core alone, in one process, no HTTP, nothing recorded: `Decider.decide` for 3
// placements of 10 items each (the placements of bench:decide: rules over traits, computed traits,
// segments and the request's context, one scored item, one capped item, Liquid templates with a
// `money` filter), for people already in the decide cache. Target: <= 25 us a call.
//
//   npm run build && node bench/decide/decide-core-bench.js
//
// Env: BENCH_CALLS (200000 a round), BENCH_ROUNDS (5), BENCH_PEOPLE (20000). Each round reports
// the mean CPU time of a call (the process's user + system time: on a loaded machine wall time
// counts the waits for a core too); the median round is the figure.
import { loadavg } from 'node:os';
import { createLiquid } from '../../packages/server/dist/decide/create-liquid.js';
import { Decider } from '../../packages/server/dist/decide/decider.js';
import { PersonCache } from '../../packages/server/dist/decide/person-cache.js';
import { compilePlacement } from '../../packages/server/dist/decide/placements.js';
import { RenderMemo } from '../../packages/server/dist/decide/render-memo.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 20_000);

let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const pick = (list) => list[Math.floor(random() * list.length)];

// The same definitions as bench/decide/decide-bench.js.
const PLANS = ['free', 'free', 'free', 'pro', 'team', 'enterprise'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'NL', 'ES', 'IT', 'SE', 'PL', 'BR'];
const NAMES = ['Ann', 'Ben', 'Cleo', 'Dev', 'Eva', 'Finn', 'Gus', 'Hana', 'Ivo', 'Jin'];
const PATHS = ['/', '/shoes', '/shoes/running', '/bags', '/sale', '/account', '/cart', '/blog'];
const RULES = [
  'traits.plan = "pro"',
  'traits.plan in ["team", "enterprise"]',
  'traits.country = "DE" and context.device = "mobile"',
  'traits.age >= 30 and traits.age < 50',
  'in_segment("buyers")',
  'in_segment("vip") or computed.revenue > 500',
  'computed.orders >= 2 and not in_segment("vip")',
  'context.page.path starts_with "/shoes"',
  'context.device = "desktop" and traits.plan != "free"',
  'not in_segment("buyers") and context.page.path = "/"',
  'traits.locale starts_with "de" or traits.country in ["FR", "ES", "IT"]',
];

const liquid = createLiquid();
const compiled = new Map();
for (let p = 0; p < 50; p++) {
  const name = `placement-${p}`;
  const items = Array.from({ length: 10 }, (_, i) => ({
    id: `p${p}-item${i}`,
    when: RULES[(p + i) % RULES.length],
    priority: Math.floor(random() * 100),
    template: `Hi {{ traits.first_name }}! {% if computed.revenue %}You spent {{ computed.revenue | money: "USD" }}.{% endif %} Offer ${i} for {{ context.page.path }}`,
    ...(i === 0 && p % 5 === 0 && { override: true, schedule: { start: '2030-01-01T00:00:00Z' } }),
    ...(i === 1 && { cap: { max: 3, per: '1d' } }),
    ...(i === 2 && { score: 'computed.revenue' }),
  }));
  compiled.set(
    name,
    compilePlacement(
      name,
      { items, default: { id: `p${p}-default`, template: 'Welcome' } },
      liquid,
    ),
  );
}

/** People as the profile store gives them (traits with provenance, computed traits, segments). */
const profiles = new Map();
for (let n = 0; n < PEOPLE; n++) {
  const country = pick(COUNTRIES);
  const orders = random() < 0.3 ? 1 + Math.floor(random() * 4) : 0;
  const revenue = orders === 0 ? undefined : Math.round(random() * 20000 * orders) / 100;
  const traits = {
    plan: pick(PLANS),
    country,
    age: 18 + Math.floor(random() * 60),
    first_name: pick(NAMES),
    locale: country === 'DE' ? 'de-DE' : 'en-US',
  };
  const segments = [
    ...(orders >= 1 ? ['buyers'] : []),
    ...(revenue !== undefined && revenue >= 300 ? ['vip'] : []),
  ];
  profiles.set(`user-${n}`, {
    id: `profile-${n}`,
    traits: Object.fromEntries(
      Object.entries(traits).map(([k, value]) => [k, { value, source: 'identify', at: '' }]),
    ),
    computed: { orders, ...(revenue !== undefined && { revenue }) },
    segments,
    aggregates: {},
    consent: { current: {} },
  });
}
const people = new PersonCache({ byIdentifier: async (id) => profiles.get(id.value) }, PEOPLE);

const decider = new Decider({
  placements: { compiled: (name) => compiled.get(name) },
  people,
  renders: new RenderMemo(liquid, { max: 100_000, maxChars: 16 * 2 ** 20 }),
  now: Date.now,
  budgetMs: 50,
  remember: PEOPLE,
  holdout: { share: 0, seed: '' },
  experiments: { assign: async () => ({ variant: null }) },
  record: () => {},
});

const requests = Array.from({ length: 4096 }, () => {
  const placements = new Set();
  while (placements.size < 3) placements.add(`placement-${Math.floor(random() * 50)}`);
  return {
    userId: `user-${Math.floor(random() * PEOPLE)}`,
    placements: [...placements],
    context: { page: { path: pick(PATHS) }, device: random() < 0.6 ? 'mobile' : 'desktop' },
  };
});

// Every person into the cache, and the JIT warm.
for (let n = 0; n < PEOPLE; n++)
  await decider.decide({ userId: `user-${n}`, placements: ['placement-0'], context: {} });
for (let i = 0; i < CALLS / 4; i++) await decider.decide(requests[i % requests.length]);

const rounds = [];
for (let round = 1; round <= ROUNDS; round++) {
  const started = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await decider.decide(requests[i % requests.length]);
  const used = process.cpuUsage(started);
  const us = (used.user + used.system) / CALLS;
  rounds.push(us);
  console.log(`round ${round} (load ${loadavg()[0].toFixed(1)}): ${us.toFixed(1)} us a call`);
}
rounds.sort((a, b) => a - b);
const median = rounds[Math.floor(ROUNDS / 2)];
console.log(
  `3 placements x 10 items: median ${median.toFixed(1)} us a call (target <= 25: ${median <= 25 ? 'met' : 'NOT met'})`,
);
