// The `database` job: makes Docker match a database service's row — create, converge (start/stop,
// resources, port), set-version (safety backup first, then stop-first update), restart, delete. A
// create that fails removes what it made (service and volume): nothing is left half-created.
// Also the runtime API other features use (backups): `DatabaseRuntime.open(serviceId)` gives the
// engine, image, decrypted credentials and the running container to exec into.
import { setTimeout as delay } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { databases, services, type DatabaseStatus } from '../../db/schema/index.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import type { ContainerGateway } from '../../infra/docker/containers.ts';
import type { DockerGateway, TaskSummary } from '../../infra/docker/index.ts';
import { defineJob, type JobContext } from '../../jobs/index.ts';
import { databaseServiceName, databaseVolumeName, planDatabaseService } from '../../plan/database-service.ts';
import { ReleaseUnhealthy, waitUntilHealthy } from '../deployments/health.ts';
import { Conflict } from '../errors.ts';
import { ensureProjectNetwork } from '../projects/network.ts';
import type { DatabaseEngine } from './engine.ts';
import { ENGINES, imageFor } from './engines.ts';
import { loadDatabase, type LoadedDatabase } from './databases.ts';

export const DATABASE_ACTIONS = ['create', 'converge', 'set-version', 'restart', 'delete'] as const;
export type DatabaseAction = (typeof DATABASE_ACTIONS)[number];

export const databasePayload = z.object({ serviceId: z.uuid(), action: z.enum(DATABASE_ACTIONS), fromVersion: z.string().max(20).optional() });
export type DatabasePayload = z.output<typeof databasePayload>;

export function databaseJobType(run: (payload: DatabasePayload, ctx: JobContext) => Promise<unknown>) {
  return defineJob({
    name: 'database',
    schema: databasePayload,
    // Docker work is idempotent, but a half-done version change must be looked at, not repeated blindly.
    maxAttempts: 1,
    timeoutSeconds: 900,
    handler: (payload, ctx) => run(payload, ctx),
  });
}
export type DatabaseJobType = ReturnType<typeof databaseJobType>;

/** A loaded database with what it takes to reach it in Docker. */
export interface DatabaseHandle extends LoadedDatabase {
  engine: DatabaseEngine;
  image: string;
  /** Swarm service name = DNS name on the project network. */
  swarmService: string;
  volume: string;
  /** The container of the running, healthy task (throws Conflict when the database is not running). */
  runningContainerId(): Promise<string>;
}

export interface DatabaseRuntimeDeps {
  db: Db;
  box: SecretBox;
  docker: DockerGateway;
  containers: ContainerGateway;
  /** BERTH_DATABASE_IMAGES. */
  imageOverrides?: Readonly<Record<string, string>>;
  /** Called before a version change; the backups feature provides it. Without it the change proceeds, and says so. */
  safetyBackup?: (serviceId: string, ctx: JobContext) => Promise<void>;
  healthTimeoutMs?: number;
}

export class DatabaseRuntime {
  constructor(private readonly deps: DatabaseRuntimeDeps) {}

  /** Wires the "backup first" hook of version changes (the backups feature calls this at composition). */
  setSafetyBackup(hook: (serviceId: string, ctx: JobContext) => Promise<void>): void {
    this.deps.safetyBackup = hook;
  }

  /** The database service `serviceId` with engine, image, credentials and its Docker names. */
  async open(serviceId: string): Promise<DatabaseHandle> {
    const loaded = await loadDatabase(this.deps.db, this.deps.box, serviceId);
    const engine = ENGINES[loaded.spec.engine];
    const swarmService = databaseServiceName(serviceId);
    return {
      ...loaded,
      engine,
      image: this.imageOf(engine, loaded.spec.version),
      swarmService,
      volume: databaseVolumeName(serviceId),
      runningContainerId: () => this.runningContainerId(swarmService),
    };
  }

  imageOf(engine: DatabaseEngine, version: string): string {
    return imageFor(engine, version, this.deps.imageOverrides);
  }

  /** Live task counts of a database's Swarm service; null when Docker cannot say (service absent, engine down). */
  async replicas(serviceId: string, desiredState: 'running' | 'stopped'): Promise<{ running: number; desired: number } | null> {
    try {
      const tasks = await this.deps.docker.serviceTasks(databaseServiceName(serviceId), { desiredState: 'running' });
      const running = tasks.filter((t) => t.state === 'running' && t.health !== 'starting' && t.health !== 'unhealthy').length;
      return { running, desired: desiredState === 'running' ? 1 : 0 };
    } catch {
      return null;
    }
  }

  async runningContainerId(swarmService: string): Promise<string> {
    const tasks = await this.deps.docker.serviceTasks(swarmService, { desiredState: 'running' });
    const task = tasks.find((t) => t.state === 'running' && t.health !== 'starting' && t.health !== 'unhealthy' && t.containerId);
    if (!task?.containerId) throw new Conflict(`database ${swarmService} has no running, healthy task`);
    return task.containerId;
  }

  /** The job handler. */
  async run(p: DatabasePayload, ctx: JobContext): Promise<unknown> {
    const h = await this.open(p.serviceId);
    try {
      switch (p.action) {
        case 'create':
          return await this.create(h, ctx);
        case 'delete':
          return await this.remove(h, ctx);
        case 'restart':
          return await this.restart(h, ctx);
        case 'set-version':
          await this.safetyBackup(h, p.fromVersion, ctx);
          return await this.converge(h, ctx);
        case 'converge':
          return await this.converge(h, ctx);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await ctx.log(`failed: ${message}`);
      if (p.action !== 'delete') await this.setStatus(h.serviceId, 'failed', message.slice(0, 4000));
      throw err;
    }
  }

  private async create(h: DatabaseHandle, ctx: JobContext): Promise<unknown> {
    try {
      return await this.converge(h, ctx);
    } catch (err) {
      // Nothing half-created: the service and its volume go; the row stays, failed, with the reason.
      await ctx.log('creation failed: removing the Swarm service and the volume');
      await this.removeDockerObjects(h, ctx).catch((cleanup: unknown) => ctx.log(`cleanup failed: ${String(cleanup)}`));
      throw err;
    }
  }

  private async converge(h: DatabaseHandle, ctx: JobContext): Promise<unknown> {
    const running = h.desiredState === 'running';
    await ensureProjectNetwork(this.deps.docker, h.projectId);
    const spec = planDatabaseService({
      service: { id: h.serviceId, name: h.name, projectId: h.projectId, orgId: h.orgId, environmentId: h.environmentId },
      engine: h.engine,
      version: h.spec.version,
      image: h.image,
      credentials: h.credentials,
      resources: h.spec.resources,
      externalPort: h.spec.externalPort ?? undefined,
      stopGracePeriodSeconds: h.spec.stopGracePeriodSeconds,
      running,
      nodeId: await this.volumeNode(h),
    });
    const since = Date.now() - 1000;
    const result = await this.deps.docker.ensureService(spec);
    await ctx.log(`${h.engine.label} ${h.spec.version} (${h.image}) as ${spec.Name}: ${result.action}${result.changes.length ? ` (${result.changes.join(', ')})` : ''}`);
    if (!running) {
      await this.waitUntilNoTasks(h.swarmService, ctx);
      await this.setStatus(h.serviceId, 'stopped', null);
      return { status: 'stopped' };
    }
    if (result.action === 'updated') await ctx.log('stop-first update: the old server stops (grace period) before the new one starts');
    const tasks = await this.waitHealthy(h, since, ctx);
    await this.setStatus(h.serviceId, 'running', null);
    return { status: 'running', tasks: tasks.length };
  }

  private async restart(h: DatabaseHandle, ctx: JobContext): Promise<unknown> {
    await ctx.log('restart: stopping the server (grace period), then starting it again');
    await this.converge({ ...h, desiredState: 'stopped' }, ctx);
    return this.converge(h, ctx);
  }

  private async remove(h: DatabaseHandle, ctx: JobContext): Promise<unknown> {
    await this.removeDockerObjects(h, ctx);
    await this.deps.db.delete(services).where(eq(services.id, h.serviceId));
    await ctx.log(`deleted ${h.name}`);
    return { deleted: true };
  }

  private async removeDockerObjects(h: DatabaseHandle, ctx: JobContext): Promise<void> {
    await this.removeDatabaseObjects(h.serviceId, (line) => ctx.log(line));
  }

  /**
   * Removes a database's Swarm service and then its volume (the data). Names derive from the service id
   * alone, so this also serves a database whose rows are already gone (project/environment teardown).
   */
  async removeDatabaseObjects(serviceId: string, log: (line: string) => Promise<unknown> | void = () => undefined): Promise<void> {
    const swarmService = databaseServiceName(serviceId);
    const volumeName = databaseVolumeName(serviceId);
    const service = await this.deps.docker.removeService(swarmService);
    await log(`Swarm service ${swarmService}: ${service}`);
    // The volume stays in use until the task's container is gone.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const volume = await this.deps.containers.removeVolume(volumeName);
        await log(`volume ${volumeName}: ${volume}`);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await delay(250);
      }
    }
  }

  private async safetyBackup(h: DatabaseHandle, fromVersion: string | undefined, ctx: JobContext): Promise<void> {
    await ctx.log(`version change ${fromVersion ?? '?'} → ${h.spec.version}`);
    if (!this.deps.safetyBackup) {
      await ctx.log('no safety backup is configured: changing the version without a backup first');
      return;
    }
    if (h.status === 'stopped' || h.desiredState === 'stopped') {
      await ctx.log('the database is stopped: no safety backup possible, changing the version');
      return;
    }
    await ctx.log('safety backup before the version change');
    await this.deps.safetyBackup(h.serviceId, ctx);
  }

  /**
   * Waits for the one task to be running and healthy. Tasks of the previous spec being stopped (their
   * health check fails while the server shuts down) are not this update's: only tasks still wanted, or
   * created since the update, count.
   */
  private async waitHealthy(h: DatabaseHandle, since: number, ctx: JobContext): Promise<TaskSummary[]> {
    const current = async () => (await this.deps.docker.serviceTasks(h.swarmService)).filter((t) => t.desiredState === 'running' || Date.parse(t.createdAt) >= since);
    try {
      return await waitUntilHealthy({
        tasks: current,
        replicas: 1,
        timeoutMs: this.deps.healthTimeoutMs ?? 180_000,
        signal: ctx.signal,
        pollMs: 250,
        onProgress: (line) => void ctx.log(line),
        healthOutput: (t) => (t.containerId ? this.deps.docker.healthLog(t.containerId) : Promise.resolve(undefined)),
      });
    } catch (err) {
      if (err instanceof ReleaseUnhealthy) throw new Error(`the database never became healthy: ${err.message}`, { cause: err });
      throw err;
    }
  }

  private async waitUntilNoTasks(name: string, ctx: JobContext): Promise<void> {
    const deadline = Date.now() + 3_600_000;
    for (;;) {
      ctx.signal.throwIfAborted();
      const tasks = await this.deps.docker.serviceTasks(name);
      const live = tasks.filter((t) => ['new', 'pending', 'assigned', 'accepted', 'preparing', 'starting', 'running'].includes(t.state));
      if (!live.length) return;
      if (Date.now() > deadline) throw new Error(`${name} did not stop`);
      await delay(250);
    }
  }

  /**
   * Where the volume lives: the node the existing service is pinned to, or — at creation — the node
   * Berth's engine is (a manager; the volume is created there on first start).
   */
  private async volumeNode(h: DatabaseHandle): Promise<string | undefined> {
    const [existing] = await this.deps.docker.listServices({ labels: { 'berth.service': h.serviceId } });
    const constraints = existing?.spec.TaskTemplate && 'Placement' in existing.spec.TaskTemplate ? (existing.spec.TaskTemplate.Placement?.Constraints ?? []) : [];
    const pinned = constraints.find((c) => c.startsWith('node.id=='));
    if (pinned) return pinned.slice('node.id=='.length);
    if (existing) return undefined;
    return (await this.deps.docker.info()).swarm.nodeId || undefined;
  }

  private async setStatus(serviceId: string, status: DatabaseStatus, lastError: string | null): Promise<void> {
    await this.deps.db.update(databases).set({ status, lastError, updatedAt: new Date() }).where(eq(databases.serviceId, serviceId));
  }
}
