// Recovers jobs whose worker died: a running job whose lease expired is re-queued for another attempt
// while attempts remain, cancelled if a cancel was requested, else failed with the reason
// "worker <id> stopped responding (lease expired at …)". Any worker may run this, as often as it likes.
// Must never touch a job whose lease is still valid: its worker may be alive and mid-heartbeat.
import { publishJobState, type Publisher } from './events.ts';
import { JOB_COLUMNS, toJob, type Job, type JobRowSql, type Queryable } from './types.ts';

export interface RecoverOptions extends Publisher {
  db: Queryable;
}

// SET expressions all see the old row, so `attempts < max_attempts` and `locked_by` are the dead attempt's.
const RECOVER_SQL = `
WITH expired AS (
  SELECT id FROM jobs
  WHERE state = 'running' AND lease_expires_at < now()
  FOR UPDATE SKIP LOCKED
)
UPDATE jobs SET
  state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
               WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,
  finished_at = CASE WHEN cancel_requested_at IS NULL AND attempts < max_attempts THEN NULL ELSE now() END,
  started_at = CASE WHEN cancel_requested_at IS NULL AND attempts < max_attempts THEN NULL ELSE started_at END,
  last_error = 'worker ' || locked_by || ' stopped responding (lease expired at '
    || to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ')',
  locked_by = NULL,
  lease_expires_at = NULL,
  state_version = jobs.state_version + 1
FROM expired
WHERE jobs.id = expired.id
RETURNING ${JOB_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1jobs.$2')}`;

/** Returns the recovered jobs in their new state. */
export async function recoverExpiredJobs(opts: RecoverOptions): Promise<Job[]> {
  const { rows } = await opts.db.query<JobRowSql>(RECOVER_SQL);
  const jobs = rows.map(toJob);
  for (const job of jobs) await publishJobState(opts, job, job.lastError);
  return jobs;
}
