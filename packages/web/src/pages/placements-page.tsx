import { useState } from 'react';
import type { ApiGet, ApiPost } from '../api/api-client.js';
import type { Role } from '../api/detect-role.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { PlacementEditor } from '../placements/placement-editor.js';
import { NEW_PLACEMENT, type StoredPlacement } from '../placements/placement-json.js';
import { placementHash } from '../use-hash-route.js';

/**
 * Every placement (GET /v1/placements), each linking to its page; a marketer or admin key may add
 * one here. A viewer sees no editing button.
 */
export function PlacementsPage({ get, put, role }: { get: ApiGet; put: ApiPost; role: Role }) {
  const answer = useApiGet<{ items: StoredPlacement[] }>(get, '/v1/placements');
  const [adding, setAdding] = useState(false);

  return (
    <>
      <div className="section-head">
        <h1>Placements</h1>
        {role !== 'viewer' && !adding && (
          <button
            type="button"
            onClick={() => {
              setAdding(true);
            }}
          >
            New placement
          </button>
        )}
      </div>
      {adding && (
        <PlacementEditor
          put={put}
          initial={NEW_PLACEMENT}
          onSaved={(saved) => {
            location.hash = placementHash(saved.name);
          }}
          onCancel={() => {
            setAdding(false);
          }}
        />
      )}
      {answer === undefined && <Loading what="placements" />}
      {answer?.ok === false && (
        <ErrorMessage>The placements could not be read: {answer.message}</ErrorMessage>
      )}
      {answer?.ok === true &&
        (answer.value.items.length === 0 ? (
          <p className="empty">
            No placements yet.{' '}
            {role === 'viewer' && 'A marketer or admin key defines them here or through the API.'}
          </p>
        ) : (
          <div className="table-wrap" role="region" aria-label="Placements table" tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">Placements, by name</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  <th scope="col" className="number">
                    Items
                  </th>
                  <th scope="col">Default</th>
                  <th scope="col">Chosen by</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {[...answer.value.items]
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((placement) => (
                    <tr key={placement.name}>
                      <th scope="row">
                        <a href={placementHash(placement.name)}>{placement.name}</a>
                      </th>
                      <td>{placement.description ?? ''}</td>
                      <td className="number">{placement.items.length}</td>
                      <td>{placement.default.id}</td>
                      <td>{placement.optimize === undefined ? 'rules and priority' : 'bandit'}</td>
                      <td className="nowrap">
                        {placement.updatedAt.slice(0, 16).replace('T', ' ')}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
