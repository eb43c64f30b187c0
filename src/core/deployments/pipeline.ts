// The deploy pipeline, a runbook of named steps: source → build → release → switch → retire → record.
// Each step writes to the deployment's log and honours the job's AbortSignal (cancel, timeout).
// The health-gated switch: the new release runs beside the old one; only once every new task is healthy
// does the ingress move traffic (and drain the old tasks); a release that never becomes healthy is
// removed and the old one keeps serving. Rollback skips source and build: it reuses the kept image.
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { deployments, environments, projects, services } from '../../db/schema/index.ts';
import { ArchiveRejected, extractArchive, type ArchiveLimits } from '../../infra/archive/index.ts';
import type { DockerGateway, TaskSummary } from '../../infra/docker/index.ts';
import type { GitGateway } from '../../infra/git/index.ts';
import type { JobContext } from '../../jobs/index.ts';
import { INGRESS_NETWORK, planAppService, releaseName, upstreamName } from '../../plan/app-service.ts';
import { BerthError } from '../errors.ts';
import { ensureProjectNetwork } from '../projects/network.ts';
import { appSpecSchema, type AppSpec } from '../services/kinds.ts';
import type { EnvVars } from '../services/env-vars.ts';
import { credentialsApply, type SourceCredentials } from '../services/credentials.ts';
import { updateDeployment } from './deployments.ts';
import { ReleaseUnhealthy, waitUntilHealthy } from './health.ts';

export class DeployFailed extends BerthError {
  readonly status = 422;
  readonly code = 'deploy_failed';
}

/** What the pipeline needs from the ingress (core/ingress implements it). */
export interface IngressPort {
  /**
   * Renders the whole route table from the database (`db`: a transaction whose uncommitted change should
   * be included) and pushes it if it changed (no reload otherwise).
   */
  reconcileRoutes(db?: Db): Promise<void>;
  /** Publishes `newIps` for `name`, then waits until `oldIps` have no requests in flight. */
  switchTo(opts: { name: string; newIps: string[]; oldIps: string[]; signal: AbortSignal }): Promise<{ drainMs: number }>;
  /** Stops answering `name` in Berth's DNS (a deleted service's upstream); absent when there is no ingress. */
  withdraw?(name: string): void;
}

export interface PipelineDeps {
  db: Db;
  docker: DockerGateway;
  git: GitGateway;
  ingress: IngressPort;
  envVars: EnvVars;
  /** Source credentials (deploy key, registry login); without it, sources are fetched anonymously. */
  credentials?: SourceCredentials;
  /** Images kept per service for rollback (default 5). */
  keepImages?: number;
  /** How long a new release may take to become healthy (default 120 s). */
  healthTimeoutMs?: number;
  /** Caps of one build, so a build cannot starve running apps. */
  buildLimits: { cpus: number; memoryBytes: number };
}

type Source = NonNullable<AppSpec['source']>;
type GitSource = Extract<Source, { type: 'git' }>;
type ArchiveSource = Extract<Source, { type: 'archive' }>;

/** What one uploaded archive may expand to. */
const ARCHIVE_LIMITS: Partial<ArchiveLimits> = { maxBytes: 1024 * 1024 * 1024, maxEntries: 50_000 };

interface Loaded {
  deployment: typeof deployments.$inferSelect;
  service: { id: string; name: string; projectId: string; orgId: string; environmentId: string; currentDeploymentId: string | null };
  spec: AppSpec;
  routed: boolean;
}

export class DeployPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async run(deploymentId: string, ctx: JobContext): Promise<{ steps: Record<string, number> }> {
    const loaded = await this.load(deploymentId);
    const { deployment } = loaded;
    if (deployment.status !== 'queued' && deployment.status !== 'running') return { steps: deployment.steps };
    await updateDeployment(this.deps.db, deploymentId, { status: 'running', startedAt: new Date() });
    const steps: Record<string, number> = {};
    const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      ctx.signal.throwIfAborted();
      await ctx.log(`==> ${name}`);
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        steps[name] = Math.round(performance.now() - t0);
        await updateDeployment(this.deps.db, deploymentId, { steps: { ...steps } });
      }
    };
    let created: string | undefined;
    try {
      const image = deployment.kind === 'rollback' ? await this.keptImage(loaded, ctx) : await this.sourceAndBuild(loaded, ctx, timed);
      const name = releaseName(loaded.service.id, deploymentId);
      const tasks = await timed('release', async () => {
        created = name;
        return this.release(loaded, image, ctx);
      });
      const previous = await this.liveReleases(loaded.service.id, name);
      // A release of 0 replicas (a stopped service) has no address to move traffic to: its route is left as is.
      if (loaded.routed && loaded.spec.replicas > 0) await timed('switch', () => this.switchTraffic(loaded, tasks, previous, ctx));
      else if (loaded.routed) await ctx.log('0 replicas: the service is stopped, nothing answers its domains until it runs again');
      await timed('retire', () => this.retire(previous, ctx));
      created = undefined;
      await this.deps.db.transaction(async (tx) => {
        await tx.update(deployments).set({ status: 'succeeded', finishedAt: new Date(), imageId: image, releaseName: name, steps }).where(eq(deployments.id, deploymentId));
        await tx.update(services).set({ currentDeploymentId: deploymentId }).where(eq(services.id, loaded.service.id));
      });
      await ctx.log(`==> live: ${name} (${Object.entries(steps).map(([k, v]) => `${k} ${v} ms`).join(', ')})`);
      await this.pruneImages(loaded.service.id, ctx);
      return { steps };
    } catch (err) {
      if (created) await this.deps.docker.removeService(created).catch(() => undefined);
      const abortedBy = ctx.signal.aborted ? (ctx.signal.reason as Error | undefined) : undefined;
      if (abortedBy?.name === 'WorkerShutdown') {
        // Handed back to the queue: another worker (or this one after a restart) starts it over.
        await ctx.log('==> interrupted by a control-plane shutdown; the deployment will start again');
        await updateDeployment(this.deps.db, deploymentId, { status: 'queued', steps: {} });
        throw err;
      }
      const cancelled = abortedBy?.name === 'JobCancelled';
      const reason = abortedBy ? String(abortedBy.message ?? 'aborted') : (err as Error).message;
      await ctx.log(`==> ${cancelled ? 'cancelled' : 'failed'}: ${reason}`);
      await updateDeployment(this.deps.db, deploymentId, { status: cancelled ? 'cancelled' : 'failed', reason, finishedAt: new Date(), steps });
      throw err;
    }
  }

  /** Keeps the newest N images of the service; deployments whose image is gone can no longer be rolled back to. */
  private async pruneImages(serviceId: string, ctx: JobContext): Promise<void> {
    const pruned = await this.deps.docker.pruneServiceImages({ serviceId, keep: this.deps.keepImages ?? 5 }).catch(() => undefined);
    if (!pruned?.removed.length) return;
    await this.deps.db.update(deployments).set({ imageId: null }).where(and(eq(deployments.serviceId, serviceId), inArray(deployments.imageId, pruned.removed)));
    await ctx.log(`removed ${pruned.removed.length} old image(s); ${pruned.kept.length} kept for rollback`);
  }

  private async load(deploymentId: string): Promise<Loaded> {
    const [row] = await this.deps.db
      .select({ d: deployments, s: services, projectId: projects.id, orgId: projects.orgId })
      .from(deployments)
      .innerJoin(services, eq(services.id, deployments.serviceId))
      .innerJoin(environments, eq(environments.id, services.environmentId))
      .innerJoin(projects, eq(projects.id, environments.projectId))
      .where(eq(deployments.id, deploymentId));
    if (!row) throw new DeployFailed(`deployment ${deploymentId} no longer exists`);
    const spec = appSpecSchema.parse(row.s.spec);
    const routed = await this.isRouted(row.s.id, spec);
    return {
      deployment: row.d,
      service: { id: row.s.id, name: row.s.name, projectId: row.projectId, orgId: row.orgId, environmentId: row.s.environmentId, currentDeploymentId: row.s.currentDeploymentId },
      spec,
      routed,
    };
  }

  private async isRouted(serviceId: string, spec: AppSpec): Promise<boolean> {
    if (!spec.port) return false;
    const { rows } = await this.deps.db.execute<{ n: number }>(
      sql`SELECT (SELECT count(*) FROM domains WHERE service_id = ${serviceId})::int + (SELECT count(*) FROM settings WHERE key = 'domain')::int AS n`,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  private async sourceAndBuild(l: Loaded, ctx: JobContext, timed: <T>(n: string, f: () => Promise<T>) => Promise<T>): Promise<string> {
    const source = l.spec.source;
    if (!source) throw new DeployFailed('the service has no source: set spec.source to a git repository or an image');
    if (source.type === 'image') {
      return timed('source', async () => {
        const local = await this.deps.docker.resolveLocalImage(source.image);
        await ctx.log(local ? `image ${source.image} (local ${local.slice(0, 19)})` : `image ${source.image} (pulled by the nodes)`);
        return local ?? source.image;
      });
    }
    if (source.type === 'archive') return this.extractAndBuild(l, source, ctx, timed);
    const fetched = await timed('fetch', async () => {
      const { deployKey } = (await this.deps.credentials?.open(this.deps.db, l.service.id)) ?? {};
      if (deployKey) await ctx.log("using the service's deploy key");
      const f = await this.deps.git.fetchSource({ key: l.service.id, repository: source.repository, ref: source.ref, ...(deployKey ? { deployKey } : {}), signal: ctx.signal, onLine: (line) => void ctx.log(line) });
      await ctx.log(`commit ${f.sha.slice(0, 12)} by ${f.author}: ${f.message.split('\n')[0]}`);
      await updateDeployment(this.deps.db, l.deployment.id, { commitSha: f.sha, commitAuthor: f.author, commitMessage: f.message.slice(0, 2000) });
      return f;
    });
    return this.build(l, { root: fetched.dir, source }, ctx, timed);
  }

  /**
   * An uploaded archive: extracted (every member checked, sizes capped) into a fresh directory beside
   * it, built like a checkout, then both removed. A rejected archive fails the deployment with the
   * rule it broke and the entry that broke it.
   */
  private async extractAndBuild(l: Loaded, source: ArchiveSource, ctx: JobContext, timed: <T>(n: string, f: () => Promise<T>) => Promise<T>): Promise<string> {
    const file = l.deployment.archivePath;
    if (!file) throw new DeployFailed('upload an archive to deploy this service (POST …/archive)');
    const dest = join(dirname(file), l.deployment.id);
    const shutdown = () => (ctx.signal.reason as Error | undefined)?.name === 'WorkerShutdown';
    let keepArchive = false;
    try {
      await timed('extract', async () => {
        await rm(dest, { recursive: true, force: true });
        try {
          const x = await extractArchive({ file, dest, limits: ARCHIVE_LIMITS, signal: ctx.signal });
          await ctx.log(`extracted ${x.entries} entr${x.entries === 1 ? 'y' : 'ies'} (${x.bytes} bytes) from the uploaded ${x.format} archive`);
        } catch (err) {
          if (err instanceof ArchiveRejected) throw new DeployFailed(`the uploaded archive was rejected: ${err.message}`, { cause: err });
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DeployFailed('the uploaded archive is gone: upload it again', { cause: err });
          throw err;
        }
      });
      return await this.build(l, { root: dest, source }, ctx, timed);
    } catch (err) {
      // A shutdown hands the job back: the deployment starts over and needs its archive.
      keepArchive = shutdown();
      throw err;
    } finally {
      await rm(dest, { recursive: true, force: true }).catch(() => undefined);
      if (!keepArchive) await rm(file, { force: true }).catch(() => undefined);
    }
  }

  private async build(l: Loaded, from: { root: string; source: GitSource | ArchiveSource }, ctx: JobContext, timed: <T>(n: string, f: () => Promise<T>) => Promise<T>): Promise<string> {
    const { source } = from;
    return timed('build', async () => {
      const { cpus, memoryBytes } = this.deps.buildLimits;
      const { imageId } = await this.deps.docker.buildImage({
        contextDir: join(from.root, source.context),
        // The context must stay inside the checkout even through a symlinked directory.
        sourceRoot: from.root,
        dockerfile: source.dockerfile,
        buildArgs: source.type === 'git' ? source.buildArgs : {},
        ...(source.type === 'git' && source.target ? { target: source.target } : {}),
        tag: `berth/app-${l.service.id.slice(0, 8)}:${l.deployment.id.slice(0, 8)}`,
        labels: { 'berth.service': l.service.id, 'berth.deployment': l.deployment.id },
        limits: { memoryBytes, cpuPeriod: 100_000, cpuQuota: Math.round(cpus * 100_000) },
        signal: ctx.signal,
        onLine: (line) => void ctx.log(line),
      });
      await updateDeployment(this.deps.db, l.deployment.id, { image: imageId });
      return imageId;
    });
  }

  private async keptImage(l: Loaded, ctx: JobContext): Promise<string> {
    const [target] = l.deployment.rollbackOf
      ? await this.deps.db.select().from(deployments).where(eq(deployments.id, l.deployment.rollbackOf))
      : [];
    if (!target?.imageId) throw new DeployFailed('the deployment to roll back to has no kept image');
    await ctx.log(`rollback to ${target.id} (${target.commitSha?.slice(0, 12) ?? target.imageId.slice(0, 19)}): no build`);
    await updateDeployment(this.deps.db, l.deployment.id, { commitSha: target.commitSha, commitMessage: target.commitMessage, commitAuthor: target.commitAuthor, image: target.imageId });
    return target.imageId;
  }

  private async release(l: Loaded, image: string, ctx: JobContext): Promise<TaskSummary[]> {
    const { docker } = this.deps;
    await ensureProjectNetwork(docker, l.service.projectId);
    const env = await this.deps.envVars.resolveAll(this.deps.db, l.service.id);
    const spec = planAppService({ service: l.service, spec: l.spec, deployment: { id: l.deployment.id, image }, env, routed: l.routed });
    await docker.ensureService(spec, await this.registryAuth(l, image, ctx));
    await ctx.log(`started ${spec.Name} (${l.spec.replicas} replica${l.spec.replicas === 1 ? '' : 's'}); waiting until healthy`);
    try {
      return await waitUntilHealthy({
        tasks: () => docker.serviceTasks(spec.Name),
        replicas: l.spec.replicas,
        timeoutMs: this.deps.healthTimeoutMs ?? 120_000,
        signal: ctx.signal,
        onProgress: (line) => void ctx.log(line),
        healthOutput: (t) => (t.containerId ? docker.healthLog(t.containerId) : Promise.resolve(undefined)),
      });
    } catch (err) {
      if (err instanceof ReleaseUnhealthy) throw new DeployFailed(`the new version never became healthy, so it got no traffic: ${err.message}`, { cause: err });
      throw err;
    }
  }

  /** Registry credentials for an image source pulled by the nodes, only when they are for the image's registry. */
  private async registryAuth(l: Loaded, image: string, ctx: JobContext): Promise<{ registryAuth?: { username: string; password: string; serveraddress: string } }> {
    if (l.spec.source?.type !== 'image' || image.startsWith('sha256:')) return {};
    const { registry } = (await this.deps.credentials?.open(this.deps.db, l.service.id)) ?? {};
    if (!registry) return {};
    if (!credentialsApply(registry.server, image)) {
      await ctx.log(`registry credentials are for ${registry.server}, not for the registry of ${image}: pulling without them`);
      return {};
    }
    await ctx.log(`pulling with the registry login of ${registry.username} at ${registry.server}`);
    return { registryAuth: { username: registry.username, password: registry.password, serveraddress: registry.server } };
  }

  /** Release services of this service other than `except` (the previous live one, or leftovers). */
  private async liveReleases(serviceId: string, except: string): Promise<string[]> {
    const all = await this.deps.docker.listServices({ labels: { 'berth.service': serviceId } });
    return all.map((s) => s.name).filter((n) => n !== except);
  }

  private async switchTraffic(l: Loaded, tasks: TaskSummary[], previous: string[], ctx: JobContext): Promise<void> {
    const ingressIps = (ts: TaskSummary[]) => ts.flatMap((t) => t.addresses.filter((a) => a.networkName === INGRESS_NETWORK).map((a) => a.ip));
    const newIps = ingressIps(tasks);
    if (!newIps.length) throw new DeployFailed('the new tasks have no address on the ingress network');
    const oldIps = (await Promise.all(previous.map((p) => this.deps.docker.serviceTasks(p)))).flatMap(ingressIps);
    await this.deps.ingress.reconcileRoutes();
    const { drainMs } = await this.deps.ingress.switchTo({ name: upstreamName(l.service.id), newIps, oldIps, signal: ctx.signal });
    await ctx.log(`traffic moved to ${newIps.join(', ')}; old tasks drained in ${drainMs} ms`);
  }

  private async retire(previous: string[], ctx: JobContext): Promise<void> {
    for (const name of previous) {
      await this.deps.docker.removeService(name);
      await ctx.log(`stopped ${name}`);
    }
  }
}
