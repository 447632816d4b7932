import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage } from '../components/status-message.js';
import { segmentEntries, type Membership, type SegmentEntry } from './segment-entries.js';

/**
 * The segments the person is in, each with when they entered it and why (an event, the clock, a
 * backfill, a merge), from `GET /v1/profiles/ID/memberships`; then those they have left.
 */
export function SegmentsPanel({
  get,
  profileId,
  segments,
}: {
  get: ApiGet;
  profileId: string;
  segments: readonly string[];
}) {
  const answer = useApiGet<{ memberships: Membership[] }>(
    get,
    `/v1/profiles/${encodeURIComponent(profileId)}/memberships`,
  );
  const history = answer?.ok === true ? answer.value.memberships : [];
  const { current, left } = segmentEntries(segments, history);
  return (
    <>
      {answer?.ok === false && (
        <ErrorMessage>When they entered could not be read: {answer.message}</ErrorMessage>
      )}
      {current.length === 0 ? (
        <p className="empty">In no segment.</p>
      ) : (
        <EntriesTable caption="Segments" entries={current} timeHeading="Entered" />
      )}
      {left.length > 0 && (
        <EntriesTable caption="Segments left" entries={left} timeHeading="Left" />
      )}
    </>
  );
}

function EntriesTable({
  caption,
  entries,
  timeHeading,
}: {
  caption: string;
  entries: SegmentEntry[];
  timeHeading: string;
}) {
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption className={caption === 'Segments' ? 'visually-hidden' : undefined}>
          {caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">Segment</th>
            <th scope="col">{timeHeading}</th>
            <th scope="col">Cause</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(({ segment, at, cause }) => (
            <tr key={segment}>
              <th scope="row">
                <a href={`#/segments/${encodeURIComponent(segment)}`}>{segment}</a>
              </th>
              <td className="nowrap">{at ?? '—'}</td>
              <td>{cause ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
