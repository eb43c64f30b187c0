// Cancels a job: a queued job ends `cancelled` at once; a running one gets cancel_requested_at, and the
// trigger jobs_cancel_requested NOTIFYs the worker running it (in whichever process) to abort its
// signal. Must never mark a running job finished itself: only its worker knows when the handler stopped.
import { NotFound } from '../core/errors.ts';
import { publishJobState, type Publisher } from './events.ts';
import { isUuid, JOB_COLUMNS, toJob, type Job, type JobRowSql, type Queryable } from './types.ts';

export interface CancelOptions extends Publisher {
  db: Queryable;
  jobId: string;
}

export interface CancelResult {
  job: Job;
  /** `cancelled`: it was queued and is now cancelled; `requested`: it is running and will stop; `finished`: nothing to do. */
  outcome: 'cancelled' | 'requested' | 'finished';
}

export async function cancelJob(opts: CancelOptions): Promise<CancelResult> {
  if (!isUuid(opts.jobId)) throw new NotFound(`job ${opts.jobId} not found`);
  // One statement: if a claim holds the row, this waits for it and then sees the job as running.
  const { rows } = await opts.db.query<JobRowSql & { was: string }>(
    `UPDATE jobs SET
       state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
       finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END,
       last_error = CASE WHEN state = 'queued' THEN 'cancelled before it started' ELSE last_error END,
       cancel_requested_at = coalesce(cancel_requested_at, now()),
       state_version = CASE WHEN state = 'queued' THEN state_version + 1 ELSE state_version END
     WHERE id = $1 AND state IN ('queued', 'running')
     RETURNING ${JOB_COLUMNS}`,
    [opts.jobId],
  );
  if (rows[0]) {
    const job = toJob(rows[0]);
    if (job.state === 'cancelled') {
      await publishJobState(opts, job, job.lastError);
      return { job, outcome: 'cancelled' };
    }
    return { job, outcome: 'requested' };
  }
  const { rows: current } = await opts.db.query<JobRowSql>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [opts.jobId]);
  if (!current[0]) throw new NotFound(`job ${opts.jobId} not found`);
  return { job: toJob(current[0]), outcome: 'finished' };
}
