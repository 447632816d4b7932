import type {
  FactorialMetricResult,
  MetricResult,
  OmnibusResult,
  TermTestResult,
} from '@tailor/core';
import type { ExperimentResults } from './compute-results.js';

const count = (n: number) => n.toLocaleString('en-US');
const percent = (x: number | null, digits = 2) =>
  x === null ? '-' : `${(x * 100).toFixed(digits)}%`;
const number = (x: number | null) => (x === null ? '-' : Number(x.toPrecision(6)).toString());
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const pValue = (p: number | null) => (p === null ? '-' : p < 0.0001 ? '<0.0001' : p.toFixed(4));

/** Results as a readable table per metric, for `tailor experiment results NAME --table`. */
export function formatResultsTable(r: ExperimentResults): string {
  const users = r.variants.reduce((sum, v) => sum + v.users, 0);
  const srm =
    r.srm.pValue === null
      ? 'nothing to test'
      : `p = ${r.srm.pValue.toPrecision(3)}${r.srm.ok ? ' (ok)' : ' (MISMATCH: check the assignment before reading the results)'}`;
  const lines = [
    `${r.experiment}: ${count(users)} people assigned, ${count(r.exposures)} exposures; uplifts against ${JSON.stringify(r.control)}; sample ratio ${srm}`,
  ];
  for (const def of r.metrics) {
    const label = def.type === 'count' ? 'events per person' : def.type;
    lines.push(
      '',
      `${def.name} (${label} of "${def.event}"${def.type === 'mean' ? `.${def.property ?? ''}` : ''}${def.within ? ` within ${def.within}` : ''})${def.guardrail ? ' [guardrail]' : ''}`,
    );
    const omnibus = r.omnibus[def.name];
    if (omnibus !== undefined) lines.push(formatOmnibus(omnibus));
    const rows = r.variants.map((v) => {
      const m = v.metrics[def.name] as MetricResult;
      const value = m.type === 'conversion' ? percent(m.rate) : number(m.mean);
      const ci =
        m.ci === null
          ? '-'
          : m.type === 'conversion'
            ? `[${percent(m.ci[0])}, ${percent(m.ci[1])}]`
            : `[${number(m.ci[0])}, ${number(m.ci[1])}]`;
      const uplift =
        m.uplift === null
          ? '-'
          : `${signed(m.uplift.value)}${m.uplift.ci === null ? '' : ` [${signed(m.uplift.ci[0])}, ${signed(m.uplift.ci[1])}]`}`;
      const cuped =
        m.cuped?.uplift == null
          ? '-'
          : `${signed(m.cuped.uplift.value)} (p ${pValue(m.cuped.pValue)})`;
      return [
        v.id,
        count(m.type === 'conversion' ? m.users : m.n),
        value,
        ci,
        uplift,
        pValue(m.pValue),
        percent(m.chanceToBeatControl, 1),
        cuped,
      ];
    });
    lines.push(
      ...table(
        [
          'variant',
          'n',
          def.type === 'conversion' ? 'rate' : 'mean',
          '95% CI',
          'uplift [95% CI]',
          'p-value',
          'P(beats control)',
          'CUPED uplift',
        ],
        rows,
      ),
    );
  }
  if (r.factorial !== undefined) lines.push(...formatFactorial(r));
  return lines.join('\n');
}

/** Per metric: the model's table, a table per factor (main effects), a table per pair of factors. */
function formatFactorial(r: ExperimentResults): string[] {
  const lines: string[] = [];
  const factorial = r.factorial;
  if (factorial === undefined) return lines;
  for (const def of r.metrics) {
    const m = factorial.metrics[def.name];
    if (m === undefined) continue;
    const conversion = m.type === 'conversion';
    const show = (x: number | null) => (conversion ? percent(x) : number(x));
    const diff = (x: number) =>
      conversion ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pp` : number(x);
    lines.push(
      '',
      `${def.name}: factorial analysis (${conversion ? 'logistic regression, likelihood-ratio tests' : 'two-way ANOVA, type II sums of squares'})`,
      ...modelTable(m),
    );
    for (const factor of factorial.factors) {
      const levels = m.mainEffects[factor.name] ?? [];
      const bayes = m.bayesian.mainEffects[factor.name] ?? [];
      lines.push(
        '',
        `${def.name} by ${factor.name} (main effects against ${factor.levels[0] ?? ''})`,
      );
      lines.push(
        ...table(
          [
            'level',
            'people',
            conversion ? 'rate' : 'mean',
            '95% CI',
            'effect [95% CI]',
            'p-value',
            'Holm',
            'P(best)',
          ],
          levels.map((l, i) => [
            l.level,
            count(l.users),
            show(l.value),
            l.ci === null ? '-' : `[${show(l.ci[0])}, ${show(l.ci[1])}]`,
            l.effect === null
              ? '-'
              : `${diff(l.effect.value)}${l.effect.ci === null ? '' : ` [${diff(l.effect.ci[0])}, ${diff(l.effect.ci[1])}]`}`,
            pValue(l.pValue),
            pValue(l.pValueAdjusted),
            percent(bayes[i]?.chanceToBeBest ?? null, 1),
          ]),
        ),
      );
    }
    const best = m.bayesian.cells.reduce<(typeof m.bayesian.cells)[number] | undefined>(
      (a, c) => ((c.chanceToBeBest ?? -1) > (a?.chanceToBeBest ?? -1) ? c : a),
      undefined,
    );
    if (best !== undefined)
      lines.push(
        '',
        `${def.name}: the likeliest best cell is ${best.id} (${percent(best.chanceToBeBest, 1)} chance to be best of the ${m.bayesian.cells.length})`,
      );
    for (const interaction of m.interactions) {
      const [a, b] = interaction.factors as [string, string];
      const columns = factorial.factors.find((f) => f.name === b)?.levels ?? [];
      const test = m.terms?.find((t) => t.term === interaction.term);
      lines.push('', `${def.name} by ${a} x ${b} (interaction p ${pValue(test?.pValue ?? null)})`);
      const rows = (factorial.factors.find((f) => f.name === a)?.levels ?? []).map((la) => [
        la,
        ...columns.map((lb) =>
          show(
            interaction.cells.find((c) => c.levels[a] === la && c.levels[b] === lb)?.value ?? null,
          ),
        ),
      ]);
      lines.push(...table([`${a} \\ ${b}`, ...columns], rows));
    }
  }
  return lines;
}

function modelTable(m: FactorialMetricResult): string[] {
  if (m.terms === null) return ['no model: nothing varies, or no residual degree of freedom'];
  const anova = m.model === 'anova';
  const row = (t: TermTestResult) => [
    t.term,
    String(t.df),
    ...(anova ? [number(t.sumSquares)] : []),
    number(t.statistic),
    pValue(t.pValue),
  ];
  const residual = m.residual;
  return table(
    ['term', 'df', ...(anova ? ['sum of squares', 'F'] : ['LR chi-square']), 'p-value'],
    [
      ...m.terms.map(row),
      ...(residual === null
        ? []
        : [
            [
              anova ? 'residual' : 'residual deviance',
              String(residual.df),
              ...(anova ? [number(residual.sumSquares), '', ''] : [number(residual.deviance), '']),
            ],
          ]),
    ],
  );
}

/** The omnibus test's line, printed before the pairwise comparisons it comes before. */
function formatOmnibus(o: OmnibusResult): string {
  if (o === null) return 'all arms: no omnibus test (too few arms, units or no variation)';
  const statistic =
    o.test === 'chi-square'
      ? `chi-square ${number(o.statistic)} on ${o.df} df`
      : `Welch's ANOVA F ${number(o.statistic)} on ${o.df} and ${number(o.df2)} df`;
  return `all ${o.arms} arms: ${statistic}, p ${pValue(o.pValue)}; then each arm against the control`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
