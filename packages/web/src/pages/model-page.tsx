import type { ModelVersionInfo } from '@tailor/core';
import { useState } from 'react';
import type { ApiGet, ApiPost, ApiResult } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import type { Role } from '../api/detect-role.js';
import { CalibrationChart } from '../charts/lazy-charts.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { formatCount } from '../experiments/format-result.js';
import { DriftSection, FairnessSection } from '../models/model-health.js';
import { ScheduleSection } from '../models/model-schedule.js';
import { labelText, shownVersion, type StoredModel } from '../models/model-summary.js';
import { trainModel, trainingText, type TrainingRun } from '../models/train-model.js';

/**
 * One model: what it predicts, its trained versions with their cross-validated metrics, and the
 * calibration of the one shown (the promoted, else the latest). A marketer or admin may train a
 * new version and promote any (a rollback is promoting an older one).
 */
export function ModelPage({
  get,
  post,
  role,
  name,
}: {
  get: ApiGet;
  post: ApiPost;
  role: Role;
  name: string;
}) {
  const [reads, setReads] = useState(0);
  const [busy, setBusy] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [run, setRun] = useState<TrainingRun>();
  const path = `/v1/models/${encodeURIComponent(name)}`;
  const model = useApiGet<StoredModel>(get, path, reads);
  const versions = useApiGet<{ items: ModelVersionInfo[] }>(get, `${path}/versions`, reads);

  async function act(what: string, request: Promise<ApiResult<unknown>>) {
    setBusy(what);
    setProblem(undefined);
    const answer = await request;
    setBusy(undefined);
    if (answer.ok) setReads((n) => n + 1);
    else setProblem(`${what} refused: ${answer.message}`);
  }

  if (model === undefined) return <Loading what="the model" />;
  if (!model.ok) {
    return (
      <>
        <h1>Model {name}</h1>
        <ErrorMessage>The model could not be read: {model.message}</ErrorMessage>
        <p>
          <a href="#/models">All models</a>
        </p>
      </>
    );
  }
  const items = versions?.ok === true ? versions.value.items : [];
  const shown = shownVersion(items, model.value.promoted);
  return (
    <article>
      <h1>Model {model.value.name}</h1>
      <p className="note">
        Predicts {labelText(model.value)}. Definition version {model.value.version}, updated{' '}
        {model.value.updatedAt}. <a href="#/models">All models</a>
      </p>
      <section aria-labelledby="versions-heading">
        <div className="section-head">
          <h2 id="versions-heading">Trained versions</h2>
          {role !== 'viewer' && (
            <button
              type="button"
              disabled={busy !== undefined}
              onClick={() => void act('Training', trainModel(get, post, path, setRun))}
            >
              {busy === 'Training'
                ? `Training… ${run === undefined ? '' : trainingText(run)}`
                : 'Train a new version'}
            </button>
          )}
        </div>
        {problem !== undefined && <ErrorMessage>{problem}</ErrorMessage>}
        {versions === undefined && <Loading what="versions" />}
        {versions?.ok === false && (
          <ErrorMessage>The versions could not be read: {versions.message}</ErrorMessage>
        )}
        {versions?.ok === true && items.length === 0 && (
          <p className="empty">Not trained yet: no version scores.</p>
        )}
        {items.length > 0 && (
          <VersionsTable
            versions={items}
            promoted={model.value.promoted}
            canPromote={role !== 'viewer' && busy === undefined}
            onPromote={(version) =>
              void act(`Promoting version ${String(version)}`, post(`${path}/promote`, { version }))
            }
          />
        )}
      </section>
      {shown !== undefined && <VersionDetail version={shown} />}
      {shown?.metrics.fairness !== undefined && (
        <FairnessSection version={shown.version} fairness={shown.metrics.fairness} />
      )}
      {model.value.promoted !== undefined && (
        <DriftSection key={model.value.promoted} get={get} name={model.value.name} />
      )}
      <ScheduleSection get={get} name={model.value.name} reads={reads} />
    </article>
  );
}

function VersionsTable({
  versions,
  promoted,
  canPromote,
  onPromote,
}: {
  versions: ModelVersionInfo[];
  promoted: number | undefined;
  canPromote: boolean;
  onPromote: (version: number) => void;
}) {
  return (
    <div className="table-wrap" role="region" aria-label="Versions table" tabIndex={0}>
      <table className="wide-table">
        <caption className="visually-hidden">
          Trained versions, newest first, with their metrics
        </caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Trained</th>
            <th scope="col">Model</th>
            <th scope="col" className="number">
              People
            </th>
            <th scope="col" className="number">
              Positive
            </th>
            <th scope="col" className="number">
              AUC
            </th>
            <th scope="col" className="number">
              Brier
            </th>
            <th scope="col">Scores</th>
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map((v) => (
            <tr key={v.version}>
              <th scope="row">{v.version}</th>
              <td className="nowrap">
                {v.trainedAt.slice(0, 16).replace('T', ' ')}
                {v.trainedBy === 'schedule' && ' (scheduled)'}
              </td>
              <td>{KIND[v.metrics.model ?? 'logistic']}</td>
              <td className="number">{formatCount(v.rows)}</td>
              <td className="number">{formatCount(v.positives)}</td>
              <td className="number">{v.metrics.auc.toFixed(3)}</td>
              <td className="number">{v.metrics.brier.toFixed(3)}</td>
              <td>
                {v.version === promoted ? (
                  <strong>yes</strong>
                ) : canPromote ? (
                  <button
                    type="button"
                    className="quiet"
                    onClick={() => {
                      onPromote(v.version);
                    }}
                  >
                    Promote {v.version}
                  </button>
                ) : (
                  'no'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function VersionDetail({ version }: { version: ModelVersionInfo }) {
  const { metrics } = version;
  return (
    <section aria-labelledby="calibration-heading">
      <h2 id="calibration-heading">Version {version.version}: calibration</h2>
      <p className="note">
        Trained on events up to {version.cutoff.slice(0, 10)} (from{' '}
        {version.featureStart.slice(0, 10)}
        ), labelled by what followed until {version.labelEnd.slice(0, 10)}; {metrics.folds}-fold
        cross-validated, AUC by fold {metrics.foldAucs.map((auc) => auc.toFixed(3)).join(', ')}.
      </p>
      {metrics.candidates !== undefined && (
        <p className="note">
          Compared on the same folds:{' '}
          {Object.entries(metrics.candidates)
            .map(([kind, c]) => `${KIND[kind as Kind]} AUC ${c.auc.toFixed(3)}`)
            .join(', ')}
          ; {KIND[metrics.model ?? 'logistic'].toLowerCase()} scores.
          {metrics.champion !== undefined &&
            ` On this version's table, version ${String(metrics.champion.version)} (scoring when it was trained) had AUC ${metrics.champion.auc.toFixed(3)}.`}
        </p>
      )}
      {metrics.reliability.length === 0 ? (
        <p className="empty">No held-out predictions to draw.</p>
      ) : (
        <>
          <figure className="chart">
            <CalibrationChart
              bins={metrics.reliability}
              title={`Observed rate against predicted probability, version ${String(version.version)}`}
            />
            <figcaption>
              Observed rate against the mean predicted probability of held-out people, in ten bins;
              a calibrated model follows the dashed diagonal.
            </figcaption>
          </figure>
          <div className="table-wrap" role="region" aria-label="Calibration table" tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">
                Calibration: each bin's people, mean prediction and observed rate
              </caption>
              <thead>
                <tr>
                  <th scope="col">Predicted</th>
                  <th scope="col" className="number">
                    People
                  </th>
                  <th scope="col" className="number">
                    Mean predicted
                  </th>
                  <th scope="col" className="number">
                    Observed
                  </th>
                </tr>
              </thead>
              <tbody>
                {metrics.reliability.map((bin) => (
                  <tr key={bin.from}>
                    <th scope="row">
                      {pct(bin.from)} to {pct(bin.to)}
                    </th>
                    <td className="number">{formatCount(bin.count)}</td>
                    <td className="number">{pct(bin.meanPredicted, 1)}</td>
                    <td className="number">{pct(bin.observedRate, 1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

type Kind = NonNullable<ModelVersionInfo['metrics']['model']>;
const KIND: Record<Kind, string> = {
  logistic: 'Logistic regression',
  trees: 'Gradient-boosted trees',
};

function pct(rate: number, digits = 0): string {
  return `${(rate * 100).toFixed(digits)} %`;
}
