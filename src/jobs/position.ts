// Where a queued job stands, for the API: how many queued jobs will be claimed before it overall, how many
// of its own service, and whether its service is busy right now. Read-only; must never lock rows.
import { NotFound } from '../core/errors.ts';
import { isUuid, type JobState, type Queryable } from './types.ts';

export interface QueuePosition {
  /** 1-based place among all queued jobs in claim order (run_at, then enqueue order). */
  position: number;
  /** Queued jobs claimed before this one, any service. */
  ahead: number;
  /** Queued jobs of the same service before this one (0 for jobs without a service). */
  aheadInService: number;
  /** A job of the same service is running now, so this one waits for it at least. */
  serviceBusy: boolean;
}

export interface PositionOptions {
  db: Queryable;
  jobId: string;
}

/** Null when the job is not queued (running or finished). Throws NotFound for an unknown job. */
export async function queuePosition(opts: PositionOptions): Promise<QueuePosition | null> {
  if (!isUuid(opts.jobId)) throw new NotFound(`job ${opts.jobId} not found`);
  const { rows } = await opts.db.query<{ state: JobState; ahead: number; ahead_in_service: number; service_busy: boolean }>(
    `SELECT j.state,
       (SELECT count(*)::int FROM jobs q WHERE q.state = 'queued' AND (q.run_at, q.seq) < (j.run_at, j.seq)) AS ahead,
       (SELECT count(*)::int FROM jobs q WHERE q.state = 'queued' AND q.service_id = j.service_id
          AND (q.run_at, q.seq) < (j.run_at, j.seq)) AS ahead_in_service,
       EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.service_id = j.service_id) AS service_busy
     FROM jobs j WHERE j.id = $1`,
    [opts.jobId],
  );
  const row = rows[0];
  if (!row) throw new NotFound(`job ${opts.jobId} not found`);
  if (row.state !== 'queued') return null;
  return { position: row.ahead + 1, ahead: row.ahead, aheadInService: row.ahead_in_service, serviceBusy: row.service_busy };
}
