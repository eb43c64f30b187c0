// Reads one job by id. Read-only; must never lock rows.
import { NotFound } from '../core/errors.ts';
import { isUuid, JOB_COLUMNS, toJob, type Job, type JobRowSql, type Queryable } from './types.ts';

export async function getJob(opts: { db: Queryable; jobId: string }): Promise<Job> {
  const { rows } = isUuid(opts.jobId)
    ? await opts.db.query<JobRowSql>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [opts.jobId])
    : { rows: [] };
  if (!rows[0]) throw new NotFound(`job ${opts.jobId} not found`);
  return toJob(rows[0]);
}
