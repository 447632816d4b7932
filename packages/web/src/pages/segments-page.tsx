import { useState } from 'react';
import type { ApiGet, ApiPost } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import type { Role } from '../api/detect-role.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { DefinitionEditor } from '../segments/definition-editor.js';
import {
  definitionBase,
  type DefinitionKind,
  type DefinitionSummary,
} from '../segments/definition-summary.js';
import { definitionHash } from '../use-hash-route.js';

/**
 * Segments and computed traits (GET /v1/segments, /v1/computed-traits), each linking to its page;
 * a marketer or admin key may add one here. A viewer sees no editing buttons.
 */
export function SegmentsPage({
  get,
  put,
  post,
  role,
}: {
  get: ApiGet;
  put: ApiPost;
  post: ApiPost;
  role: Role;
}) {
  return (
    <>
      <h1>Segments and computed traits</h1>
      <DefinitionList get={get} put={put} post={post} role={role} kind="segment" />
      <DefinitionList get={get} put={put} post={post} role={role} kind="computed" />
    </>
  );
}

function DefinitionList({
  get,
  put,
  post,
  role,
  kind,
}: {
  get: ApiGet;
  put: ApiPost;
  post: ApiPost;
  role: Role;
  kind: DefinitionKind;
}) {
  const answer = useApiGet<{ items: DefinitionSummary[] }>(get, definitionBase(kind));
  const [adding, setAdding] = useState(false);

  const title = kind === 'segment' ? 'Segments' : 'Computed traits';
  const headingId = `${kind}-list-heading`;
  return (
    <section aria-labelledby={headingId}>
      <div className="section-head">
        <h2 id={headingId}>{title}</h2>
        {role !== 'viewer' && !adding && (
          <button
            type="button"
            onClick={() => {
              setAdding(true);
            }}
          >
            {kind === 'segment' ? 'New segment' : 'New computed trait'}
          </button>
        )}
      </div>
      {adding && (
        <DefinitionEditor
          put={put}
          post={post}
          kind={kind}
          initial=""
          onSaved={(saved) => {
            location.hash = definitionHash(kind, saved.name);
          }}
          onCancel={() => {
            setAdding(false);
          }}
        />
      )}
      {answer === undefined && <Loading what={title.toLowerCase()} />}
      {answer?.ok === false && (
        <ErrorMessage>
          The {title.toLowerCase()} could not be read: {answer.message}
        </ErrorMessage>
      )}
      {answer?.ok === true &&
        (answer.value.items.length === 0 ? (
          <p className="empty">No {title.toLowerCase()} yet.</p>
        ) : (
          <div className="table-wrap" role="region" aria-label={`${title} table`} tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">{title}, by name</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Definition</th>
                  <th scope="col">Version</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {[...answer.value.items]
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((item) => (
                    <tr key={item.name}>
                      <th scope="row">
                        <a href={definitionHash(kind, item.name)}>{item.name}</a>
                      </th>
                      <td>
                        <code>{item.definition}</code>
                      </td>
                      <td>{item.version}</td>
                      <td className="nowrap">{item.updatedAt.slice(0, 16).replace('T', ' ')}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}
