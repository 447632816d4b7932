import type { PlacementBody } from '@tailor/core';
import { useState } from 'react';
import type { ApiDelete, ApiGet, ApiPost } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import type { Role } from '../api/detect-role.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { PlacementEditor } from '../placements/placement-editor.js';
import { placementText, type StoredPlacement } from '../placements/placement-json.js';
import { PreviewPanel } from '../placements/preview-panel.js';

/**
 * One placement: its items in the order they rank (rule, priority, schedule, cap, experiment),
 * its default, and a preview as a chosen person with the reasons. A marketer or admin may edit
 * its JSON or delete it (after a confirmation); every reader may preview.
 */
export function PlacementPage({
  get,
  post,
  put,
  del,
  role,
  name,
}: {
  get: ApiGet;
  post: ApiPost;
  put: ApiPost;
  del: ApiDelete;
  role: Role;
  name: string;
}) {
  const [editing, setEditing] = useState(false);
  const [version, setVersion] = useState(0);
  const answer = useApiGet<StoredPlacement>(
    get,
    `/v1/placements/${encodeURIComponent(name)}`,
    version,
  );

  if (answer === undefined) return <Loading what="the placement" />;
  if (!answer.ok) {
    return (
      <>
        <h1>Placement {name}</h1>
        <ErrorMessage>The placement could not be read: {answer.message}</ErrorMessage>
        <p>
          <a href="#/placements">All placements</a>
        </p>
      </>
    );
  }
  const placement = answer.value;
  return (
    <article>
      <h1>Placement {placement.name}</h1>
      <p className="note">
        {placement.description !== undefined && `${placement.description} `}Version{' '}
        {placement.version}, updated {placement.updatedAt}.{' '}
        <a href="#/placements">All placements</a>
      </p>
      <section aria-labelledby="items-heading">
        <div className="section-head">
          <h2 id="items-heading">Items</h2>
          {role !== 'viewer' && !editing && (
            <button
              type="button"
              onClick={() => {
                setEditing(true);
              }}
            >
              Edit
            </button>
          )}
        </div>
        {editing ? (
          <PlacementEditor
            put={put}
            name={placement.name}
            initial={placementText(placement)}
            onSaved={() => {
              setEditing(false);
              setVersion((v) => v + 1);
            }}
            onCancel={() => {
              setEditing(false);
            }}
          />
        ) : (
          <ItemsTable placement={placement} />
        )}
      </section>
      <PreviewPanel key={version} get={get} post={post} placement={placement} />
      {role !== 'viewer' && <DeleteSection del={del} name={placement.name} />}
    </article>
  );
}

function ItemsTable({ placement }: { placement: StoredPlacement }) {
  return (
    <div
      className="table-wrap"
      role="region"
      aria-label={`Items of ${placement.name}`}
      tabIndex={0}
    >
      <table className="wide-table">
        <caption className="visually-hidden">
          Items of {placement.name} as listed, with the default last
        </caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Shown when</th>
            <th scope="col" className="number">
              Priority
            </th>
            <th scope="col">Also</th>
          </tr>
        </thead>
        <tbody>
          {placement.items.map((item) => (
            <tr key={item.id}>
              <th scope="row">{item.id}</th>
              <td>{item.when === undefined ? 'always' : <code>{item.when}</code>}</td>
              <td className="number">{item.priority ?? 0}</td>
              <td>{itemNotes(item)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">{placement.default.id}</th>
            <td>when nothing else can be served</td>
            <td className="number">default</td>
            <td />
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function itemNotes(item: PlacementBody['items'][number]): string {
  return [
    item.override === true && 'override',
    item.score !== undefined && `ranked by ${item.score}`,
    item.schedule !== undefined &&
      `shown ${item.schedule.start ?? 'from the start'} to ${item.schedule.end ?? 'no end'}`,
    item.cap !== undefined && `at most ${String(item.cap.max)} per ${item.cap.per}`,
    item.experiment !== undefined && `experiment ${item.experiment}`,
  ]
    .filter((note): note is string => typeof note === 'string')
    .join('; ');
}

function DeleteSection({ del, name }: { del: ApiDelete; name: string }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  async function remove() {
    const answer = await del(`/v1/placements/${encodeURIComponent(name)}`);
    if (answer.ok) location.hash = '#/placements';
    else setError(answer.message);
  }
  return (
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete</h2>
      {confirming ? (
        <div className="confirm" role="group" aria-label="Confirm deletion">
          <p>
            Delete placement {name}? Pages asking for it get nothing from then on. This cannot be
            undone.
          </p>
          <div className="actions">
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete {name}
            </button>
            <button
              type="button"
              className="quiet"
              onClick={() => {
                setConfirming(false);
              }}
            >
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button
          type="button"
          className="quiet"
          onClick={() => {
            setConfirming(true);
          }}
        >
          Delete placement…
        </button>
      )}
      {error !== undefined && <ErrorMessage>Not deleted: {error}</ErrorMessage>}
    </section>
  );
}
