// Summarizes a V8 .cpuprofile (from `node --cpu-prof`, e.g. BENCH_NODE_ARGS="--cpu-prof
// --cpu-prof-dir=DIR"): where the thread's time went in a window of the run, by function (self
// time) and by what called into each package or Tailor folder (inclusive time).
//
//   node bench/support/summarize-cpu-profile.js FILE.cpuprofile [--last SECONDS] [--skip S] [--top N]
//
// --last keeps the samples of the profile's last SECONDS (the measured phase of a bench, not its
// setup), --skip leaves out its final S seconds (a later phase); per-request figures come from
// dividing by the requests the bench counted in that window.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
if (file === undefined) {
  console.error('usage: summarize-cpu-profile.js FILE.cpuprofile [--last SECONDS] [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const last = option('last', Infinity);
const top = option('top', 40);
const skip = option('skip', 0);

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample times: startTime plus the running sum of timeDeltas (microseconds).
const times = [];
let t = profile.startTime;
for (const d of profile.timeDeltas) times.push((t += d));
const to = profile.endTime - skip * 1e6;
const from = to - last * 1e6;

/** Where a frame's code lives: a package, a Tailor folder, node's own, or V8's. */
function placeOf(frame) {
  const url = frame.url ?? '';
  if (url === '') return `(${frame.functionName || 'program'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /packages\/(\w+)\/dist\/(?:([\w-]+)\/)?/.exec(url);
  if (own) return `@tailor/${own[1]}${own[2] ? `/${own[2]}` : ''}`;
  if (url.startsWith('node:')) return url;
  return url.split('/').slice(-2).join('/');
}

const self = new Map();
const inclusive = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const at = times[i] ?? 0;
  if (at < from || at > to) return;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  total += dt;
  const node = nodes.get(id);
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${placeOf(f)}:${f.lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + dt);
  const seen = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const place = placeOf(nodes.get(n).callFrame);
    if (seen.has(place)) continue;
    seen.add(place);
    inclusive.set(place, (inclusive.get(place) ?? 0) + dt);
  }
});

const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s of samples`);
console.log('\nself time by function');
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(us)} ms ${pct(us)} %  ${name}`);
console.log('\ninclusive time by place');
for (const [place, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(us)} ms ${pct(us)} %  ${place}`);
