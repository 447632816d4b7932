import type { FactorialResult } from '@tailor/core';
import {
  formatChance,
  formatCount,
  formatDifference,
  formatEstimate,
  formatInterval,
  formatPValue,
} from './format-result.js';

/** A factorial experiment's analysis per metric: the model's table and each factor's main effects. */
export function FactorialSection({ factorial }: { factorial: FactorialResult }) {
  return (
    <section className="factorial" aria-labelledby="factorial-heading">
      <h2 id="factorial-heading">Factors</h2>
      <p className="note">
        Each factor's levels over everyone assigned them, against the factor's first level
        {factorial.factors
          .map((factor) => ` · ${factor.name}: ${factor.levels.join(', ')}`)
          .join('')}
        .
      </p>
      {Object.entries(factorial.metrics).map(([metric, result]) => (
        <div key={metric} className="factorial-metric">
          <h3>
            {metric}{' '}
            <span className="hint">
              ({result.model === 'anova' ? 'ANOVA, type II' : 'logistic regression'})
            </span>
          </h3>
          {result.terms !== null && (
            <p className="note">
              {result.terms
                .map((term) => `${term.term}: p = ${formatPValue(term.pValue)}`)
                .join(' · ')}
            </p>
          )}
          <div
            className="table-wrap"
            role="region"
            aria-label={`${metric} main effects table`}
            tabIndex={0}
          >
            <table className="wide-table">
              <caption className="visually-hidden">{metric}: main effects of each factor</caption>
              <thead>
                <tr>
                  <th scope="col">Factor</th>
                  <th scope="col">Level</th>
                  <th scope="col">People</th>
                  <th scope="col">{result.type === 'conversion' ? 'Rate' : 'Mean'}</th>
                  <th scope="col">95 % interval</th>
                  <th scope="col">Effect</th>
                  <th scope="col">p (Holm)</th>
                  <th scope="col">Chance to beat first level</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(result.mainEffects).flatMap(([factor, levels]) =>
                  levels.map((level) => {
                    const bayes = result.bayesian.mainEffects[factor]?.find(
                      (b) => b.level === level.level,
                    );
                    return (
                      <tr key={`${factor}=${level.level}`}>
                        <th scope="row">{factor}</th>
                        <td>{level.level}</td>
                        <td>{formatCount(level.users)}</td>
                        <td>{formatEstimate(level.value, result.type)}</td>
                        <td className="nowrap">{formatInterval(level.ci, result.type)}</td>
                        <td>
                          {level.effect === null
                            ? 'first level'
                            : formatDifference(level.effect.value, result.type)}
                        </td>
                        <td>{formatPValue(level.pValueAdjusted)}</td>
                        <td>{formatChance(bayes?.chanceToBeatFirst ?? null)}</td>
                      </tr>
                    );
                  }),
                )}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </section>
  );
}
