// Deployments: the record of one release of a service. Requesting one writes the row and enqueues its
// job in one transaction (no deployment without a job, no job without a row). The job's state is the
// truth about progress; `syncDeploymentsWithJobs` copies a finished job's outcome onto a deployment its
// handler could not finish (a worker killed mid-build), so nothing stays "running".
import { and, desc, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Db } from '../../db/client.ts';
import * as schema from '../../db/schema/index.ts';
import { deployments, services, type DeploymentStatus } from '../../db/schema/index.ts';
import { Conflict, NotFound } from '../errors.ts';

export interface DeploymentView {
  id: string;
  serviceId: string;
  status: DeploymentStatus;
  kind: 'deploy' | 'rollback';
  trigger: string;
  reason: string | null;
  commitSha: string | null;
  commitMessage: string | null;
  commitAuthor: string | null;
  image: string | null;
  /** The Swarm service of this release (set once it went live). */
  releaseName: string | null;
  rollbackOf: string | null;
  jobId: string | null;
  steps: Record<string, number>;
  current: boolean;
  /** Succeeded and its image is still kept: a rollback can go back to it without a build. */
  rollbackable: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

type Row = typeof deployments.$inferSelect;

export const deploymentView = (d: Row, currentId: string | null): DeploymentView => ({
  id: d.id,
  serviceId: d.serviceId,
  status: d.status,
  kind: d.kind,
  trigger: d.trigger,
  reason: d.reason,
  commitSha: d.commitSha,
  commitMessage: d.commitMessage,
  commitAuthor: d.commitAuthor,
  image: d.image,
  releaseName: d.releaseName,
  rollbackOf: d.rollbackOf,
  jobId: d.jobId,
  steps: d.steps,
  current: d.id === currentId,
  rollbackable: d.status === 'succeeded' && !!d.imageId,
  createdAt: d.createdAt,
  startedAt: d.startedAt,
  finishedAt: d.finishedAt,
});

export interface EnqueueDeployJob {
  (opts: { db: pg.PoolClient; deploymentId: string; serviceId: string; orgId: string }): Promise<{ id: string }>;
}

/** Creates a queued deployment and its job atomically. */
export async function requestDeployment(
  pool: pg.Pool,
  opts: {
    serviceId: string;
    orgId: string;
    trigger: string;
    kind?: 'deploy' | 'rollback';
    rollbackOf?: string;
    image?: string;
    commitSha?: string;
    /** A pre-chosen id (an upload is written under it before the row exists). */
    id?: string;
    /** The uploaded source archive of an archive deploy. */
    archivePath?: string;
  },
  enqueue: EnqueueDeployJob,
): Promise<Row> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const tx = drizzle(client, { schema });
    const [row] = await tx
      .insert(deployments)
      .values({
        ...(opts.id ? { id: opts.id } : {}),
        serviceId: opts.serviceId,
        status: 'queued',
        trigger: opts.trigger,
        kind: opts.kind ?? 'deploy',
        rollbackOf: opts.rollbackOf ?? null,
        image: opts.image ?? null,
        commitSha: opts.commitSha ?? null,
        archivePath: opts.archivePath ?? null,
      })
      .returning();
    const job = await enqueue({ db: client, deploymentId: row!.id, serviceId: opts.serviceId, orgId: opts.orgId });
    const [withJob] = await tx.update(deployments).set({ jobId: job.id }).where(eq(deployments.id, row!.id)).returning();
    await client.query('COMMIT');
    return withJob!;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

async function currentOf(db: Db, serviceId: string): Promise<string | null> {
  const [s] = await db.select({ c: services.currentDeploymentId }).from(services).where(eq(services.id, serviceId));
  return s?.c ?? null;
}

export async function listDeployments(db: Db, opts: { serviceId: string; limit: number }): Promise<DeploymentView[]> {
  const current = await currentOf(db, opts.serviceId);
  const rows = await db.select().from(deployments).where(eq(deployments.serviceId, opts.serviceId)).orderBy(desc(deployments.createdAt)).limit(opts.limit);
  return rows.map((r) => deploymentView(r, current));
}

export async function getDeployment(db: Db, opts: { serviceId: string; id: string }): Promise<DeploymentView> {
  const [row] = await db.select().from(deployments).where(and(eq(deployments.serviceId, opts.serviceId), eq(deployments.id, opts.id)));
  if (!row) throw new NotFound('deployment not found');
  return deploymentView(row, await currentOf(db, opts.serviceId));
}

/** The deployment to roll back to: a named one, or the newest succeeded one before the current. */
export async function rollbackTarget(db: Db, opts: { serviceId: string; to?: string | undefined }): Promise<Row> {
  const current = await currentOf(db, opts.serviceId);
  if (opts.to) {
    const [row] = await db.select().from(deployments).where(and(eq(deployments.serviceId, opts.serviceId), eq(deployments.id, opts.to)));
    if (!row) throw new NotFound('deployment not found');
    if (row.status !== 'succeeded') throw new Conflict(`only a deployment that succeeded can be rolled back to (this one ${row.status})`);
    if (!row.imageId) throw new Conflict('the image of that deployment is no longer kept (BERTH_KEEP_IMAGES): redeploy its commit instead');
    return row;
  }
  const rows = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.serviceId, opts.serviceId), eq(deployments.status, 'succeeded')))
    .orderBy(desc(deployments.finishedAt))
    .limit(20);
  const idx = rows.findIndex((r) => r.id === current);
  const target = rows.slice(idx + 1).find((r) => r.imageId && r.imageId !== rows[idx]?.imageId);
  if (!target) throw new Conflict('there is no earlier successful deployment to roll back to');
  return target;
}

export async function updateDeployment(db: Db, id: string, patch: Partial<Row>): Promise<void> {
  await db.update(deployments).set(patch).where(eq(deployments.id, id));
}

/**
 * Deployments still queued/running whose job has finished (its worker died, or it was cancelled
 * before it started): take the job's outcome. Run at boot, periodically and on job events.
 */
export async function syncDeploymentsWithJobs(db: Db): Promise<number> {
  const result = await db.execute(sql`
    UPDATE deployments d SET
      status = CASE WHEN j.state = 'succeeded' THEN 'failed' ELSE j.state END,
      reason = coalesce(d.reason, j.last_error, 'the deployment job ended without recording an outcome'),
      finished_at = coalesce(d.finished_at, j.finished_at, now())
    FROM jobs j
    WHERE j.id = d.job_id AND d.status IN ('queued', 'running') AND j.state IN ('succeeded', 'failed', 'cancelled')`);
  return result.rowCount ?? 0;
}

