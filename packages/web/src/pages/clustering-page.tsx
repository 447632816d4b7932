import type { ClusterInfo, ClusterModel } from '@tailor/core';
import { useId, useState, type SubmitEvent } from 'react';
import type { ApiGet, ApiPost } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import type { Role } from '../api/detect-role.js';
import { EffectsChart } from '../charts/lazy-charts.js';
import {
  personaEffects,
  trainingText,
  type ClusteringSummary,
} from '../clusters/persona-effects.js';
import { ErrorMessage, Loading } from '../components/status-message.js';

/**
 * One clustering: its last training, its personas with their sizes and what sets them apart (a
 * chart of effect sizes and each persona's description), renaming a persona and training again
 * for marketers and admins; a viewer reads.
 */
export function ClusteringPage({
  get,
  post,
  put,
  role,
  name,
}: {
  get: ApiGet;
  post: ApiPost;
  put: ApiPost;
  role: Role;
  name: string;
}) {
  const path = `/v1/clusterings/${encodeURIComponent(name)}`;
  const [reads, setReads] = useState(0);
  const summary = useApiGet<ClusteringSummary>(get, path, reads);
  const model = useApiGet<ClusterModel>(get, `${path}/clusters`, reads);
  const [training, setTraining] = useState(false);
  const [problem, setProblem] = useState<string>();

  async function train() {
    setTraining(true);
    setProblem(undefined);
    const trained = await post(`${path}/train`, {});
    setTraining(false);
    if (trained.ok) setReads((n) => n + 1);
    else setProblem(`Training refused: ${trained.message}`);
  }

  if (summary === undefined) return <Loading what="the clustering" />;
  if (!summary.ok) {
    return (
      <>
        <h1>Clustering {name}</h1>
        <ErrorMessage>The clustering could not be read: {summary.message}</ErrorMessage>
        <p>
          <a href="#/clusters">All clusterings</a>
        </p>
      </>
    );
  }
  const editable = role === 'marketer' || role === 'admin';
  return (
    <article>
      <h1>Clustering {summary.value.name}</h1>
      <p className="note">
        {summary.value.description !== undefined && `${summary.value.description} `}
        <a href="#/clusters">All clusterings</a>
      </p>
      <section aria-labelledby="training-heading">
        <div className="section-head">
          <h2 id="training-heading">Training</h2>
          {editable && (
            <button type="button" disabled={training} onClick={() => void train()}>
              {training ? 'Training… (the profiles are read)' : 'Train now'}
            </button>
          )}
        </div>
        <p>{trainingText(summary.value)}</p>
        {problem !== undefined && <ErrorMessage>{problem}</ErrorMessage>}
      </section>
      {model === undefined && <Loading what="the personas" />}
      {model?.ok === false &&
        (model.status === 404 ? (
          <p className="empty" role="status">
            No personas yet: the clustering has not been trained.
          </p>
        ) : (
          <ErrorMessage>The personas could not be read: {model.message}</ErrorMessage>
        ))}
      {model?.ok === true && (
        <Personas
          model={model.value}
          rename={
            editable
              ? async (id, persona) => {
                  const renamed = await put<ClusterInfo>(`${path}/clusters/${String(id)}`, {
                    name: persona,
                  });
                  if (renamed.ok) setReads((n) => n + 1);
                  return renamed.ok ? undefined : renamed.message;
                }
              : undefined
          }
        />
      )}
    </article>
  );
}

type Rename = (id: number, persona: string) => Promise<string | undefined>;

function Personas({ model, rename }: { model: ClusterModel; rename: Rename | undefined }) {
  const rows = personaEffects(model);
  const noise = model.noise > 0 ? `, ${model.noise.toLocaleString('en')} in no cluster` : '';
  return (
    <section aria-labelledby="personas-heading">
      <h2 id="personas-heading">Personas</h2>
      <p>
        {model.rows.toLocaleString('en')} profiles clustered ({model.method}, k {model.k}
        {model.silhouette === null ? '' : `, silhouette ${model.silhouette.toFixed(2)}`}),{' '}
        {model.skipped.toLocaleString('en')} left out (a feature missing, or analytics refused)
        {noise}.
      </p>
      <div className="table-wrap" role="region" aria-label="Personas table" tabIndex={0}>
        <table className="wide-table">
          <caption className="visually-hidden">Personas, by cluster</caption>
          <thead>
            <tr>
              <th scope="col">Persona</th>
              <th scope="col">Profiles</th>
              <th scope="col">Share</th>
              <th scope="col">What sets it apart</th>
            </tr>
          </thead>
          <tbody>
            {model.clusters.map((cluster) => (
              <tr key={cluster.id}>
                <th scope="row">
                  {rename === undefined ? (
                    cluster.name
                  ) : (
                    <RenameForm cluster={cluster} rename={rename} />
                  )}
                </th>
                <td className="number">{cluster.size.toLocaleString('en')}</td>
                <td className="number">{(cluster.share * 100).toFixed(1)} %</td>
                <td>{cluster.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 ? (
        <p className="empty" role="status">
          No persona stands apart from the population on any feature (every effect is under half a
          standard deviation).
        </p>
      ) : (
        <figure className="chart">
          <EffectsChart
            rows={rows}
            series={model.clusters.map((c) => ({ id: String(c.id), label: c.name }))}
            title="Effect sizes by feature and persona"
          />
          <figcaption>
            What sets each persona apart: its mean minus everyone’s on each feature, in standard
            deviations (on the clustering’s scale).
          </figcaption>
        </figure>
      )}
    </section>
  );
}

function RenameForm({ cluster, rename }: { cluster: ClusterInfo; rename: Rename }) {
  const id = useId();
  const [text, setText] = useState(cluster.name);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblem(await rename(cluster.id, text.trim()));
    setBusy(false);
  }

  return (
    <form className="inline-form" onSubmit={(event) => void submit(event)}>
      <label htmlFor={id} className="visually-hidden">
        Name of persona {cluster.id}
      </label>
      <input
        id={id}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
        }}
        maxLength={120}
      />
      <button type="submit" disabled={busy || text.trim() === cluster.name}>
        Rename
      </button>
      {problem !== undefined && <ErrorMessage>{problem}</ErrorMessage>}
    </form>
  );
}
