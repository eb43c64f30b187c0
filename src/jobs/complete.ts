// Records how an attempt ended: succeeded, failed (or re-queued for another attempt), cancelled, or
// handed back at shutdown. Every write is fenced on (worker, attempt, state 'running'), so a worker that
// lost its lease can never overwrite what the recovering worker decided. Must never run a handler.
import { JOB_COLUMNS, toJob, type Job, type JobRowSql, type Queryable } from './types.ts';

export type Outcome =
  | { kind: 'succeeded'; result: unknown }
  /** `retry: false` for failures another attempt cannot fix (a payload the schema now rejects). */
  | { kind: 'failed'; error: string; retry: boolean }
  | { kind: 'cancelled'; reason: string }
  /** Shutdown: back to the queue, the attempt not counted. */
  | { kind: 'handed_back' };

export interface CompleteOptions {
  db: Queryable;
  workerId: string;
  job: Pick<Job, 'id' | 'attempts'>;
  outcome: Outcome;
}

/** Seconds before retry n+1 after attempt n failed: 1, 2, 4 … capped at 5 minutes. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(2 ** Math.max(0, attempt - 1), 300);
}

const FENCE = `WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND state = 'running' RETURNING ${JOB_COLUMNS}`;
const RELEASE = `locked_by = NULL, lease_expires_at = NULL, state_version = state_version + 1`;

const SQL: Record<Outcome['kind'], string> = {
  succeeded: `UPDATE jobs SET state = 'succeeded', result = $4::jsonb, finished_at = now(), ${RELEASE} ${FENCE}`,
  // A cancel request that arrives while the attempt fails still wins: the user asked for it to stop.
  failed: `UPDATE jobs SET
      state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled'
                   WHEN $5::boolean AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
      run_at = CASE WHEN cancel_requested_at IS NULL AND $5::boolean AND attempts < max_attempts
                    THEN now() + make_interval(secs => $6) ELSE run_at END,
      finished_at = CASE WHEN cancel_requested_at IS NULL AND $5::boolean AND attempts < max_attempts THEN NULL ELSE now() END,
      started_at = CASE WHEN cancel_requested_at IS NULL AND $5::boolean AND attempts < max_attempts THEN NULL ELSE started_at END,
      last_error = $4, ${RELEASE} ${FENCE}`,
  cancelled: `UPDATE jobs SET state = 'cancelled', last_error = $4, finished_at = now(), ${RELEASE} ${FENCE}`,
  handed_back: `UPDATE jobs SET
      state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'queued' END,
      attempts = CASE WHEN cancel_requested_at IS NOT NULL THEN attempts ELSE attempts - 1 END,
      finished_at = CASE WHEN cancel_requested_at IS NOT NULL THEN now() END,
      started_at = CASE WHEN cancel_requested_at IS NOT NULL THEN started_at END,
      last_error = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE last_error END,
      ${RELEASE} ${FENCE}`,
};

/** Returns the updated job, or null when this worker no longer owned the attempt (nothing written). */
export async function completeJob(opts: CompleteOptions): Promise<Job | null> {
  const { outcome } = opts;
  const params: unknown[] = [opts.job.id, opts.workerId, opts.job.attempts];
  if (outcome.kind === 'succeeded') params.push(outcome.result === undefined ? null : JSON.stringify(outcome.result));
  if (outcome.kind === 'failed') params.push(outcome.error, outcome.retry, retryDelaySeconds(opts.job.attempts));
  if (outcome.kind === 'cancelled') params.push(outcome.reason);
  const { rows } = await opts.db.query<JobRowSql>(SQL[outcome.kind], params);
  return rows[0] ? toJob(rows[0]) : null;
}
