// Takes due jobs for one worker in one statement: FOR UPDATE SKIP LOCKED, and per service only the head
// of its queue (the oldest due job, by run_at then enqueue order) and only while none of its jobs runs.
// Must never hand out two running jobs of one service: the snapshot check here keeps claims FIFO and
// cheap, and the unique index jobs_one_running_per_service makes a racing second claim fail instead
// (that claim then returns nothing and the worker simply tries again later).
import { isUniqueViolation } from '../core/db-errors.ts';
import { JOB_COLUMNS, toJob, type Job, type JobRowSql, type Queryable } from './types.ts';

export interface ClaimOptions {
  db: Queryable;
  workerId: string;
  /** Only these job types (the ones the worker can run). */
  types: readonly string[];
  /** At most this many jobs. */
  limit: number;
  leaseSeconds: number;
}

const CLAIM_SQL = `
WITH picked AS (
  SELECT j.id
  FROM jobs j
  WHERE j.state = 'queued'
    AND j.run_at <= now()
    AND j.type = ANY($2::text[])
    AND (j.service_id IS NULL OR (
      NOT EXISTS (SELECT 1 FROM jobs r WHERE r.service_id = j.service_id AND r.state = 'running')
      AND NOT EXISTS (
        SELECT 1 FROM jobs q
        WHERE q.service_id = j.service_id AND q.state = 'queued' AND (q.run_at, q.seq) < (j.run_at, j.seq))))
  ORDER BY j.run_at, j.seq
  LIMIT $3
  FOR UPDATE SKIP LOCKED
)
UPDATE jobs SET
  state = 'running',
  attempts = jobs.attempts + 1,
  locked_by = $1,
  lease_expires_at = now() + make_interval(secs => $4),
  started_at = now(),
  state_version = jobs.state_version + 1
FROM picked
WHERE jobs.id = picked.id
RETURNING ${JOB_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1jobs.$2')}`;

export async function claimJobs(opts: ClaimOptions): Promise<Job[]> {
  if (opts.limit <= 0 || opts.types.length === 0) return [];
  try {
    const { rows } = await opts.db.query<JobRowSql>(CLAIM_SQL, [opts.workerId, opts.types, opts.limit, opts.leaseSeconds]);
    return rows.map(toJob);
  } catch (err) {
    // Another worker won the race for a service between our snapshot and our write.
    if (isUniqueViolation(err)) return [];
    throw err;
  }
}
