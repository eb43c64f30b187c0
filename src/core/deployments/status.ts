// A service's live status as the dashboard shows it: one word (running, deploying, failed, …), replicas
// healthy/desired, the live version and its domains. `serviceState` is the one rule; `environmentStatus`
// answers it for every service of an environment with a fixed number of queries and engine calls (a
// project page with 500 services must not make 500 Docker requests).
import { desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { deployments, domains } from '../../db/schema/index.ts';
import type { TaskSummary } from '../../infra/docker/index.ts';
import { defaultHost } from '../domains/domains.ts';
import type { ServiceView } from '../services/services.ts';
import { deploymentView, type DeploymentView } from './deployments.ts';

export const SERVICE_STATES = ['deploying', 'running', 'degraded', 'stopped', 'failed', 'not deployed'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

type DeploymentLike = Pick<DeploymentView, 'status'>;

/**
 * deploying while a deployment is queued or running; failed when nothing ever went live and the last
 * attempt failed; otherwise what the live release's tasks say (a failed redeploy leaves the old version
 * running, so the service is still "running").
 */
export function serviceState(o: { desired: number; healthy: number; current: DeploymentLike | null; latest: DeploymentLike | null }): ServiceState {
  if (o.latest && (o.latest.status === 'queued' || o.latest.status === 'running')) return 'deploying';
  if (!o.current) return o.latest?.status === 'failed' ? 'failed' : 'not deployed';
  if (o.desired === 0 || o.healthy === 0) return 'stopped';
  return o.healthy >= o.desired ? 'running' : 'degraded';
}

export const desiredReplicas = (spec: Record<string, unknown>): number => (typeof spec.replicas === 'number' ? spec.replicas : 1);

/** Running and healthy: Swarm reports a task with a health check as "starting" until it passes. */
export const healthyCount = (tasks: Pick<TaskSummary, 'state' | 'desiredState' | 'health'>[]): number =>
  tasks.filter((t) => t.desiredState === 'running' && t.state === 'running' && (t.health ?? 'healthy') === 'healthy').length;

export interface ServiceStatusSummary {
  id: string;
  name: string;
  kind: string;
  state: ServiceState;
  replicas: { desired: number; healthy: number };
  current: Pick<DeploymentView, 'id' | 'commitSha' | 'commitMessage' | 'image' | 'kind' | 'finishedAt'> | null;
  latest: Pick<DeploymentView, 'id' | 'status' | 'reason' | 'createdAt'> | null;
  /** Hosts routed to the service, the automatic one first. */
  domains: string[];
}

/**
 * The status of each of `services` (all of one environment, or one service): the newest and the live
 * deployment per service in two queries, the domains in one, the tasks of every release in one engine
 * call (`runningTasks`). Docker being unreachable reads as no healthy task.
 */
export async function servicesStatus(
  db: Db,
  opts: { services: ServiceView[]; baseDomain: string | null; runningTasks: () => Promise<Map<string, TaskSummary[]>> },
): Promise<ServiceStatusSummary[]> {
  const ids = opts.services.map((s) => s.id);
  if (!ids.length) return [];
  const currentIds = opts.services.map((s) => s.currentDeploymentId).filter((id): id is string => !!id);
  const [latestRows, currentRows, domainRows, tasks] = await Promise.all([
    db.selectDistinctOn([deployments.serviceId]).from(deployments).where(inArray(deployments.serviceId, ids)).orderBy(deployments.serviceId, desc(deployments.createdAt)),
    currentIds.length ? db.select().from(deployments).where(inArray(deployments.id, currentIds)) : Promise.resolve([]),
    db.select({ serviceId: domains.serviceId, host: domains.host }).from(domains).where(inArray(domains.serviceId, ids)).orderBy(domains.host),
    opts.runningTasks().catch(() => new Map<string, TaskSummary[]>()),
  ]);
  const latestBy = new Map(latestRows.map((r) => [r.serviceId, r] as const));
  const currentBy = new Map(currentRows.map((r) => [r.id, r] as const));
  return opts.services.map((s) => {
    const currentRow = s.currentDeploymentId ? currentBy.get(s.currentDeploymentId) : undefined;
    const latestRow = latestBy.get(s.id);
    const current = currentRow ? deploymentView(currentRow, s.currentDeploymentId) : null;
    const latest = latestRow ? deploymentView(latestRow, s.currentDeploymentId) : null;
    const desired = desiredReplicas(s.spec);
    const healthy = current?.releaseName ? healthyCount(tasks.get(current.releaseName) ?? []) : 0;
    const automatic = typeof s.spec.port === 'number' ? defaultHost({ service: s.name, project: s.project, environment: s.environment, baseDomain: opts.baseDomain }) : null;
    const hosts = domainRows.filter((d) => d.serviceId === s.id).map((d) => d.host);
    return {
      id: s.id,
      name: s.name,
      kind: s.kind,
      state: serviceState({ desired, healthy, current, latest }),
      replicas: { desired, healthy },
      current: current && { id: current.id, commitSha: current.commitSha, commitMessage: current.commitMessage, image: current.image, kind: current.kind, finishedAt: current.finishedAt },
      latest: latest && { id: latest.id, status: latest.status, reason: latest.reason, createdAt: latest.createdAt },
      domains: [...new Set([...(automatic ? [automatic] : []), ...hosts])],
    };
  });
}

/** Used by the single-service status route: the service's live deployment and its newest one. */
export async function currentAndLatest(db: Db, service: ServiceView): Promise<{ current: DeploymentView | null; latest: DeploymentView | null }> {
  const [latestRow] = await db.select().from(deployments).where(eq(deployments.serviceId, service.id)).orderBy(desc(deployments.createdAt)).limit(1);
  const [currentRow] = service.currentDeploymentId ? await db.select().from(deployments).where(eq(deployments.id, service.currentDeploymentId)) : [];
  return {
    current: currentRow ? deploymentView(currentRow, service.currentDeploymentId) : null,
    latest: latestRow ? deploymentView(latestRow, service.currentDeploymentId) : null,
  };
}
