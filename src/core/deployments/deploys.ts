// The deploy use-cases the transports call: deploy, roll back, cancel. Each writes a deployment and its
// job in one transaction; the pipeline (a job handler) does the work.
import type pg from 'pg';
import type { Db } from '../../db/client.ts';
import type { JobQueue } from '../../jobs/index.ts';
import { Conflict } from '../errors.ts';
import { appSpecSchema } from '../services/kinds.ts';
import { deploymentView, requestDeployment, rollbackTarget, type DeploymentView } from './deployments.ts';
import type { DeployJobType } from './job.ts';

export interface DeployTarget {
  id: string;
  orgId: string;
  kind: string;
  currentDeploymentId?: string | null;
}

/** Throws Conflict unless the service's spec says its source is an uploaded archive. */
export function assertArchiveSource(spec: unknown): void {
  const parsed = appSpecSchema.safeParse(spec);
  const type = parsed.success ? parsed.data.source?.type : undefined;
  if (type !== 'archive') {
    throw new Conflict(`this service is deployed from ${type ? `${type === 'git' ? 'a git repository' : 'an image'}` : 'no source'}, not an uploaded archive: set spec.source to { "type": "archive" } to deploy it by upload`);
  }
}

export class Deploys {
  constructor(private readonly deps: { pool: pg.Pool; db: Db; queue: JobQueue; jobType: DeployJobType }) {}

  #enqueue = async (o: { db: pg.PoolClient; deploymentId: string; serviceId: string; orgId: string }) =>
    this.deps.queue.enqueue({ type: this.deps.jobType, payload: { deploymentId: o.deploymentId }, serviceId: o.serviceId, orgId: o.orgId, db: o.db });

  async deploy(service: DeployTarget, opts: { trigger: string; commitSha?: string | null }): Promise<DeploymentView> {
    if (service.kind !== 'app') throw new Conflict(`a ${service.kind} service is not deployed this way`);
    const row = await requestDeployment(
      this.deps.pool,
      { serviceId: service.id, orgId: service.orgId, trigger: opts.trigger, ...(opts.commitSha ? { commitSha: opts.commitSha } : {}) },
      this.#enqueue,
    );
    return deploymentView(row, service.currentDeploymentId ?? null);
  }

  /**
   * Deploys an uploaded source archive, already written to `file` under the deployment id `id` (the
   * pipeline extracts and builds it). Only for services whose source is `archive`.
   */
  async deployArchive(service: DeployTarget & { spec: unknown }, opts: { id: string; file: string; trigger: string }): Promise<DeploymentView> {
    if (service.kind !== 'app') throw new Conflict(`a ${service.kind} service is not deployed this way`);
    assertArchiveSource(service.spec);
    const row = await requestDeployment(
      this.deps.pool,
      { id: opts.id, serviceId: service.id, orgId: service.orgId, trigger: opts.trigger, archivePath: opts.file },
      this.#enqueue,
    );
    return deploymentView(row, service.currentDeploymentId ?? null);
  }

  async rollback(service: DeployTarget, opts: { to?: string | undefined; trigger: string }): Promise<DeploymentView> {
    const target = await rollbackTarget(this.deps.db, { serviceId: service.id, to: opts.to });
    const row = await requestDeployment(
      this.deps.pool,
      { serviceId: service.id, orgId: service.orgId, trigger: opts.trigger, kind: 'rollback', rollbackOf: target.id, image: target.imageId ?? undefined },
      this.#enqueue,
    );
    return deploymentView(row, service.currentDeploymentId ?? null);
  }

  async cancel(deployment: DeploymentView): Promise<void> {
    if (!deployment.jobId) throw new Conflict('this deployment has no job to cancel');
    if (deployment.status !== 'queued' && deployment.status !== 'running') throw new Conflict(`the deployment is already ${deployment.status}`);
    await this.deps.queue.cancel(deployment.jobId);
  }
}
