import type { Profile } from '@tailor/core';
import { valueText } from './value-text.js';

/**
 * A person's model scores (the promoted version of each registry model), each with why: the
 * largest terms of its log-odds, as `GET /v1/profiles/ID?explain=true` gives them.
 */
export function ModelScores({ scores }: { scores: NonNullable<Profile['scores']> }) {
  const models = Object.entries(scores).sort(([a], [b]) => a.localeCompare(b));
  if (models.length === 0) return <p className="empty">No model scores this person.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Model scores</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Score</th>
            <th scope="col">Version</th>
            <th scope="col">Largest contributions (log-odds)</th>
          </tr>
        </thead>
        <tbody>
          {models.map(([name, score]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{score.score.toFixed(3)}</td>
              <td>{score.version}</td>
              <td>
                {(score.contributions ?? []).length === 0
                  ? '—'
                  : (score.contributions ?? [])
                      .map(
                        (c) =>
                          `${c.feature} = ${valueText(c.value)}: ${c.contribution >= 0 ? '+' : ''}${c.contribution.toFixed(2)}`,
                      )
                      .join('; ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
