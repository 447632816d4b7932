import type { MergeRecord } from '@tailor/core';
import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';

interface Conflict {
  identifier: { type: string; value: string };
  limitType: string;
  limit: number;
  resolvedTo: string;
  at: string;
}

/**
 * The person's merge history from `GET /v1/profiles/ID/merges`: which profiles were merged into
 * this one, when, why (a shared identifier, an alias, a match and its weight) and by which
 * message; then the links refused because they would have broken an identifier limit.
 */
export function MergesPanel({ get, profileId }: { get: ApiGet; profileId: string }) {
  const answer = useApiGet<{ merges: MergeRecord[]; conflicts: Conflict[] }>(
    get,
    `/v1/profiles/${encodeURIComponent(profileId)}/merges`,
  );
  if (answer === undefined) return <Loading what="merges" />;
  if (!answer.ok) {
    return <ErrorMessage>The merges could not be read: {answer.message}</ErrorMessage>;
  }
  const { merges, conflicts } = answer.value;
  return (
    <>
      {merges.length === 0 ? (
        <p className="empty">Never merged: no other profile was found to be this person.</p>
      ) : (
        <div className="table-wrap" role="region" aria-label="Merge history" tabIndex={0}>
          <table>
            <caption className="visually-hidden">Merges</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Profile merged in</th>
                <th scope="col">Into</th>
                <th scope="col">Why</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {merges.map((merge) => (
                <tr key={`${merge.from}:${merge.messageId}`}>
                  <td className="nowrap">{merge.at}</td>
                  <td>
                    <code>{merge.from}</code>
                  </td>
                  <td>
                    <code>{merge.into}</code>
                  </td>
                  <td>{merge.reason}</td>
                  <td>
                    <code>{merge.messageId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {conflicts.length > 0 && (
        <div className="table-wrap" role="region" aria-label="Links refused" tabIndex={0}>
          <table>
            <caption>Links refused (an identifier limit)</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Identifier</th>
                <th scope="col">Limit</th>
                <th scope="col">Message went to</th>
              </tr>
            </thead>
            <tbody>
              {conflicts.map((conflict) => (
                <tr key={`${conflict.at}:${conflict.identifier.type}:${conflict.identifier.value}`}>
                  <td className="nowrap">{conflict.at}</td>
                  <td>
                    <code>
                      {conflict.identifier.type}:{conflict.identifier.value}
                    </code>
                  </td>
                  <td>
                    at most {conflict.limit} {conflict.limitType}
                  </td>
                  <td>
                    <code>{conflict.resolvedTo}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
