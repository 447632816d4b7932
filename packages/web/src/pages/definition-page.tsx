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
import { MembersPanel } from '../segments/members-panel.js';
import { SizeHistoryPanel } from '../segments/size-history-panel.js';

/** How often a definition whose backfill runs is read again, to show its progress. */
const REFRESH_MS = 1500;

/**
 * One segment or computed trait: its definition, what it reads, the backfill that re-evaluated
 * every profile for it, and for a segment its members, paged. A marketer or admin may edit it.
 */
export function DefinitionPage({
  get,
  put,
  post,
  role,
  kind,
  name,
}: {
  get: ApiGet;
  put: ApiPost;
  post: ApiPost;
  role: Role;
  kind: DefinitionKind;
  name: string;
}) {
  const [editing, setEditing] = useState(false);
  // A save reads the definition again; so does each tick while its backfill runs.
  const [version, setVersion] = useState(0);
  const answer = useApiGet<DefinitionSummary>(
    get,
    `${definitionBase(kind)}/${encodeURIComponent(name)}`,
    version,
    {
      while: (read) => read.ok && read.value.backfill?.status === 'running',
      everyMs: REFRESH_MS,
    },
  );

  const what = kind === 'segment' ? 'Segment' : 'Computed trait';
  if (answer === undefined) return <Loading what={what.toLowerCase()} />;
  if (!answer.ok) {
    return (
      <>
        <h1>
          {what} {name}
        </h1>
        <ErrorMessage>
          The {what.toLowerCase()} could not be read: {answer.message}
        </ErrorMessage>
        <p>
          <a href="#/segments">All segments and computed traits</a>
        </p>
      </>
    );
  }
  const definition = answer.value;
  return (
    <article>
      <h1>
        {what} {definition.name}
      </h1>
      <p className="note">
        Version {definition.version}, updated {definition.updatedAt}.{' '}
        <a href="#/segments">All segments and computed traits</a>
      </p>
      <section aria-labelledby="definition-heading">
        <div className="section-head">
          <h2 id="definition-heading">Definition</h2>
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
          <DefinitionEditor
            put={put}
            post={post}
            kind={kind}
            name={definition.name}
            initial={definition.definition}
            onSaved={() => {
              setEditing(false);
              setVersion((v) => v + 1);
            }}
            onCancel={() => {
              setEditing(false);
            }}
          />
        ) : (
          <pre className="definition">{definition.definition}</pre>
        )}
        <p className="note">{readsText(definition)}</p>
        <p className="note" role="status">
          {backfillText(definition)}
        </p>
      </section>
      {kind === 'segment' && (
        // Read again once the backfill has re-evaluated everyone.
        <>
          <MembersPanel
            key={`${version}:${definition.backfill?.status ?? ''}`}
            get={get}
            name={definition.name}
          />
          <SizeHistoryPanel
            key={`sizes:${String(version)}:${definition.backfill?.status ?? ''}`}
            get={get}
            name={definition.name}
          />
        </>
      )}
    </article>
  );
}

function readsText({ references }: DefinitionSummary): string {
  const parts = [
    references.events.length > 0 && `events ${references.events.join(', ')}`,
    references.computed.length > 0 && `computed traits ${references.computed.join(', ')}`,
    references.segments.length > 0 && `segments ${references.segments.join(', ')}`,
  ].filter((part): part is string => typeof part === 'string');
  const reads = parts.length === 0 ? 'Reads traits only' : `Reads ${parts.join('; ')}`;
  return references.timeBased ? `${reads}; changes with time alone.` : `${reads}.`;
}

function backfillText({ backfill }: DefinitionSummary): string {
  if (backfill === null) return 'No profile re-evaluated for it yet.';
  if (backfill.status === 'running') {
    return `Re-evaluating every profile: ${backfill.done.toLocaleString('en')} of ${backfill.total.toLocaleString('en')}.`;
  }
  return `Every profile re-evaluated (${backfill.total.toLocaleString('en')}), finished ${backfill.finishedAt ?? ''}.`;
}
