import type { ModelDrift, ModelVersionInfo } from '@tailor/core';
import { useState } from 'react';
import type { ApiGet, ApiResult } from '../api/api-client.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { formatCount } from '../experiments/format-result.js';

/** The features shown in the drift table: the largest PSI first, as the API orders them. */
const DRIFT_ROWS = 15;

type Fairness = NonNullable<ModelVersionInfo['metrics']['fairness']>;

/**
 * Drift of the promoted version (GET /v1/models/NAME/drift): asked for on demand, since the API
 * reads the log to compare everyone's features now with the training's.
 */
export function DriftSection({ get, name }: { get: ApiGet; name: string }) {
  const [answer, setAnswer] = useState<ApiResult<ModelDrift> | 'loading'>();
  async function check() {
    setAnswer('loading');
    setAnswer(await get<ModelDrift>(`/v1/models/${encodeURIComponent(name)}/drift`));
  }
  return (
    <section aria-labelledby="drift-heading">
      <div className="section-head">
        <h2 id="drift-heading">Drift</h2>
        <button
          type="button"
          className="quiet"
          disabled={answer === 'loading'}
          onClick={() => void check()}
        >
          Check drift now
        </button>
      </div>
      {answer === undefined && (
        <p className="note">
          Compares the scoring version's training with everyone's features now (PSI and KS); it
          reads the log, so it runs when asked.
        </p>
      )}
      {answer === 'loading' && <Loading what="the drift (the log is read)" />}
      {answer !== undefined && answer !== 'loading' && !answer.ok && (
        <ErrorMessage>The drift could not be measured: {answer.message}</ErrorMessage>
      )}
      {answer !== undefined && answer !== 'loading' && answer.ok && (
        <DriftView drift={answer.value} />
      )}
    </section>
  );
}

function DriftView({ drift }: { drift: ModelDrift }) {
  const drifted = new Set(drift.drifted);
  const rows = [drift.score, ...drift.features.slice(0, DRIFT_ROWS)];
  return (
    <>
      <p role="status" className={drift.drifted.length > 0 ? 'bad' : undefined}>
        Version {drift.version} against {formatCount(drift.rows)} people now:{' '}
        {drift.drifted.length === 0
          ? 'nothing has drifted (every PSI under 0.25).'
          : `drifted: ${drift.drifted.join(', ')}.`}
      </p>
      <div className="table-wrap" role="region" aria-label="Drift table" tabIndex={0}>
        <table className="wide-table">
          <caption className="visually-hidden">
            Drift: the score and the features with the largest PSI
          </caption>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col" className="number">
                PSI
              </th>
              <th scope="col" className="number">
                KS
              </th>
              <th scope="col">Drifted</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={`${String(i)}:${row.feature}`}>
                <th scope="row">
                  <code>{row.feature}</code>
                </th>
                <td className="number">{row.psi.toFixed(3)}</td>
                <td className="number">{row.ks === null ? '–' : row.ks.toFixed(3)}</td>
                <td className={drifted.has(row.feature) ? 'bad' : undefined}>
                  {drifted.has(row.feature) ? 'yes' : 'no'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Fairness of a version's held-out predictions across the groups of the model's attribute. */
export function FairnessSection({ version, fairness }: { version: number; fairness: Fairness }) {
  const ratio = (value: number | null) => (value === null ? '–' : value.toFixed(2));
  return (
    <section aria-labelledby="fairness-heading">
      <h2 id="fairness-heading">
        Version {version}: fairness by {fairness.attribute}
      </h2>
      <p className={fairness.fourFifthsRule ? undefined : 'bad'}>
        Demographic parity ratio {ratio(fairness.demographicParityRatio)}, equal opportunity
        difference {ratio(fairness.equalOpportunityDifference)}; the four-fifths rule{' '}
        {fairness.fourFifthsRule ? 'holds' : 'fails'} (scores at or above {fairness.threshold} count
        as selected).
      </p>
      <div className="table-wrap" role="region" aria-label="Fairness table" tabIndex={0}>
        <table className="wide-table">
          <caption className="visually-hidden">Fairness: each group's rates</caption>
          <thead>
            <tr>
              <th scope="col">{fairness.attribute}</th>
              <th scope="col" className="number">
                People
              </th>
              <th scope="col" className="number">
                Positive
              </th>
              <th scope="col" className="number">
                Selected
              </th>
              <th scope="col" className="number">
                True positive rate
              </th>
              <th scope="col" className="number">
                Disparate impact
              </th>
            </tr>
          </thead>
          <tbody>
            {fairness.groups.map((group) => (
              <tr key={group.group}>
                <th scope="row">{group.group}</th>
                <td className="number">{formatCount(group.count)}</td>
                <td className="number">{formatCount(group.positives)}</td>
                <td className="number">{(group.selectionRate * 100).toFixed(1)} %</td>
                <td className="number">
                  {group.truePositiveRate === null
                    ? '–'
                    : `${(group.truePositiveRate * 100).toFixed(1)} %`}
                </td>
                <td className="number">{ratio(fairness.disparateImpact[group.group] ?? null)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
