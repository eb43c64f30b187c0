// The queue as the API sees it (core/system/jobs-facade.ts): organisation-scoped listing with queue
// positions, one job, cancel. Every query is filtered by org_id: a job of another organisation is
// indistinguishable from a missing one.
import type { JobsFacade, JobView } from '../core/system/jobs-facade.ts';
import type { EventBus } from '../infra/bus/bus.ts';
import { cancelJob } from './cancel.ts';
import { isUuid, JOB_COLUMNS, toJob, type Job, type JobRowSql, type Queryable } from './types.ts';

const POSITION = `CASE WHEN j.state = 'queued' THEN
  (SELECT count(*)::int + 1 FROM jobs q WHERE q.state = 'queued' AND (q.run_at, q.seq) < (j.run_at, j.seq)) END AS position`;

const view = (job: Job, position: number | null): JobView => ({
  id: job.id,
  type: job.type,
  state: job.state,
  serviceId: job.serviceId,
  orgId: job.orgId,
  attempts: job.attempts,
  lastError: job.lastError,
  position,
  createdAt: job.createdAt,
  startedAt: job.startedAt,
  finishedAt: job.finishedAt,
});

export function createJobsFacade(opts: { pool: Queryable; bus: EventBus }): JobsFacade {
  const columns = JOB_COLUMNS.split(',').map((c) => `j.${c.trim()}`).join(', ');
  const select = async (where: string, params: unknown[], limit: number): Promise<JobView[]> => {
    const { rows } = await opts.pool.query<JobRowSql & { position: number | null }>(
      `SELECT ${columns}, ${POSITION} FROM jobs j WHERE ${where} ORDER BY j.created_at DESC, j.seq DESC LIMIT ${limit}`,
      params,
    );
    return rows.map((r) => view(toJob(r), r.position));
  };
  const get = async (o: { orgId: string; id: string }) => (isUuid(o.id) ? (await select('j.org_id = $1 AND j.id = $2', [o.orgId, o.id], 1))[0] : undefined);
  return {
    list: (o) => select(o.state ? 'j.org_id = $1 AND j.state = $2' : 'j.org_id = $1', o.state ? [o.orgId, o.state] : [o.orgId], Math.min(500, Math.max(1, o.limit))),
    get,
    async cancel(o) {
      if (!(await get(o))) return undefined;
      await cancelJob({ db: opts.pool, jobId: o.id, bus: opts.bus });
      return get(o);
    },
  };
}
