import type { ModelSchedule, ScheduledRun } from '@tailor/core';
import type { ApiGet } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/**
 * The model's schedule (GET /v1/models/NAME/schedule): how often it is trained again and its drift
 * measured, when each is due next and how the last scheduled run went.
 */
export function ScheduleSection({
  get,
  name,
  reads,
}: {
  get: ApiGet;
  name: string;
  /** Read again when the page reads the model again (after a training, a promotion). */
  reads: number;
}) {
  const schedule = useApiGet<ModelSchedule>(
    get,
    `/v1/models/${encodeURIComponent(name)}/schedule`,
    reads,
  );
  return (
    <section aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">Schedule</h2>
      {schedule === undefined && <Loading what="the schedule" />}
      {schedule?.ok === false && (
        <ErrorMessage>The schedule could not be read: {schedule.message}</ErrorMessage>
      )}
      {schedule?.ok === true && <ScheduleView schedule={schedule.value} />}
    </section>
  );
}

function ScheduleView({ schedule }: { schedule: ModelSchedule }) {
  const { retrain, drift, running } = schedule;
  if (retrain === null && drift === null)
    return (
      <p className="empty">
        No schedule: versions are trained and drift measured only when asked (the definition's{' '}
        <code>schedule</code> sets them).
      </p>
    );
  return (
    <dl className="facts">
      {retrain !== null && (
        <>
          <dt>Training</dt>
          <dd>
            every {retrain.everyDays} days, next due {when(retrain.next)}
            {running === 'train' && ' (training now)'}; a scheduled version is{' '}
            {retrain.promote === 'better'
              ? 'promoted when its AUC is at least the scoring version’s on the same new table'
              : 'not promoted by itself'}
            .
          </dd>
          <dt>Last scheduled training</dt>
          <dd>{outcome(retrain.last, 'training')}</dd>
        </>
      )}
      {drift !== null && (
        <>
          <dt>Drift</dt>
          <dd>
            measured every {drift.everyHours} hours,{' '}
            {drift.next === null ? 'once a version scores' : `next due ${when(drift.next)}`}
            {running === 'drift' && ' (measuring now)'}.
          </dd>
          <dt>Last scheduled measurement</dt>
          <dd className={drift.last?.drifted?.length ? 'bad' : undefined}>
            {outcome(drift.last, 'drift')}
          </dd>
        </>
      )}
    </dl>
  );
}

function outcome(run: ScheduledRun | null, kind: 'training' | 'drift'): string {
  if (run === null) return 'none yet';
  const at = when(run.at);
  if (run.error !== undefined) return `${at}: failed (${run.error}); tried again within the hour`;
  if (run.skipped !== undefined) return `${at}: nothing recorded (${run.skipped})`;
  if (kind === 'training')
    return `${at}: version ${String(run.version)}${run.promoted === true ? ', promoted' : ', not promoted'}`;
  const drifted = run.drifted ?? [];
  return `${at}, version ${String(run.version)}: ${
    drifted.length === 0 ? 'nothing drifted' : `drifted: ${drifted.join(', ')}`
  }`;
}
