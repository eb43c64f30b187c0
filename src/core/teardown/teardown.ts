// Deleting an organisation, a project, an environment or a service: one path for all of them, so nothing stays behind in
// Docker, the proxy or DNS. In one transaction: refuse (409, naming the service) while any job of an
// affected service is queued or running, record the deleted ids (deleted_resources, for the orphan
// sweep), delete the rows, re-push the route table without their routes. Then, after the commit: their
// Swarm services go at once; databases go through the database delete path (service, then the volume);
// app volumes and built images, and the project network when the project goes, follow in the background
// with bounded retries (Swarm removes task containers a moment after their service). Anything still left
// — the engine was down, the control plane died — is finished by the orphan sweep (orphans.ts).
// Must never remove a Docker object without Berth's label, nor anything of a service whose row remains.
import { setTimeout as delay } from 'node:timers/promises';
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { deletedResources, environments, jobs, organizations, projects, services } from '../../db/schema/index.ts';
import type { DockerGateway } from '../../infra/docker/index.ts';
import { projectNetworkName, upstreamName } from '../../plan/app-service.ts';
import { routedHosts } from '../certificates/certificates.ts';
import type { IngressPort } from '../deployments/pipeline.ts';
import { Conflict, NotFound, Unavailable } from '../errors.ts';

export interface TeardownDeps {
  db: Db;
  docker: DockerGateway;
  ingress: Pick<IngressPort, 'reconcileRoutes' | 'withdraw'>;
  /** The database delete path (DatabaseRuntime): Swarm service, then the volume. */
  databases: { removeDatabaseObjects(serviceId: string): Promise<void> };
  /** Forgets a removed host's certificate and HTTPS choices when nothing routes it any more. */
  certificates: { hostRemoved(host: string): Promise<void> };
  log: { warn(obj: object, msg: string): void };
  /** How long background removals keep retrying before leaving the rest to the orphan sweep (default 60 s). */
  retryForMs?: number;
}

interface Doomed {
  id: string;
  name: string;
  kind: string;
}

/** What a teardown removed, for the caller (and tests). */
export interface TeardownResult<T> {
  deleted: T;
  services: Doomed[];
  removedHosts: string[];
}

export class Teardown {
  #pending = new Set<Promise<void>>();

  constructor(private readonly deps: TeardownDeps) {}

  /** A project, its environments and every service in them, and the project network. */
  async project(opts: { orgId: string; name: string }): Promise<TeardownResult<typeof projects.$inferSelect>> {
    const [project] = await this.deps.db.select().from(projects).where(and(eq(projects.orgId, opts.orgId), eq(projects.name, opts.name)));
    if (!project) throw new NotFound(`project "${opts.name}" not found`);
    return this.#run({
      services: eq(environments.projectId, project.id),
      projectIds: [project.id],
      deleteRows: async (tx) => {
        const [row] = await tx.delete(projects).where(eq(projects.id, project.id)).returning();
        if (!row) throw new NotFound(`project "${opts.name}" not found`);
        return row;
      },
    });
  }

  /** An organisation: every project in it, as `project()` does for one. */
  async organization(opts: { orgId: string }): Promise<TeardownResult<{ id: string }>> {
    const owned = await this.deps.db.select({ id: projects.id }).from(projects).where(eq(projects.orgId, opts.orgId));
    return this.#run({
      services: eq(projects.orgId, opts.orgId),
      projectIds: owned.map((p) => p.id),
      deleteRows: async (tx) => {
        const [row] = await tx.delete(organizations).where(eq(organizations.id, opts.orgId)).returning({ id: organizations.id });
        if (!row) throw new NotFound('organisation not found');
        return row;
      },
    });
  }

  /** An environment and every service in it (the project network stays: the project does). */
  async environment(opts: { projectId: string; name: string }): Promise<TeardownResult<typeof environments.$inferSelect>> {
    const [env] = await this.deps.db.select().from(environments).where(and(eq(environments.projectId, opts.projectId), eq(environments.name, opts.name)));
    if (!env) throw new NotFound(`environment "${opts.name}" not found`);
    return this.#run({
      services: eq(services.environmentId, env.id),
      deleteRows: async (tx) => {
        const [row] = await tx.delete(environments).where(eq(environments.id, env.id)).returning();
        if (!row) throw new NotFound(`environment "${opts.name}" not found`);
        return row;
      },
    });
  }

  /** One service of any kind. */
  async service(opts: { serviceId: string }): Promise<TeardownResult<{ id: string }>> {
    return this.#run({
      services: eq(services.id, opts.serviceId),
      deleteRows: async (tx) => {
        const [row] = await tx.delete(services).where(eq(services.id, opts.serviceId)).returning({ id: services.id });
        if (!row) throw new NotFound('service not found');
        return row;
      },
    });
  }

  /** Resolves when every background removal started so far has ended (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }

  async #run<T>(o: { services: SQL; projectIds?: string[]; deleteRows: (tx: Db) => Promise<T> }): Promise<TeardownResult<T>> {
    const { db } = this.deps;
    const { deleted, doomed, removedHosts } = await db.transaction(async (tx) => {
      // Locked: a deploy or database change committing now either came first (its job is seen below) or
      // waits for this transaction and then finds no service.
      const doomed: Doomed[] = await tx
        .select({ id: services.id, name: services.name, kind: services.kind })
        .from(services)
        .innerJoin(environments, eq(environments.id, services.environmentId))
        .innerJoin(projects, eq(projects.id, environments.projectId))
        .where(o.services)
        .orderBy(services.name)
        .for('update', { of: services });
      await this.#assertIdle(tx, doomed);
      const hostsBefore = await routedHosts(tx);
      if (doomed.length) await tx.insert(deletedResources).values(doomed.map((s) => ({ id: s.id, kind: 'service' as const }))).onConflictDoNothing();
      if (o.projectIds?.length) await tx.insert(deletedResources).values(o.projectIds.map((id) => ({ id, kind: 'project' as const }))).onConflictDoNothing();
      const deleted = await o.deleteRows(tx);
      const hostsAfter = new Set(await routedHosts(tx));
      // Same transaction: a proxy that refuses the new table keeps everything. No running ingress, no route to withdraw.
      await this.deps.ingress.reconcileRoutes(tx).catch((err: unknown) => {
        if (!(err instanceof Unavailable)) throw err;
      });
      return { deleted, doomed, removedHosts: hostsBefore.filter((h) => !hostsAfter.has(h)) };
    });
    for (const s of doomed) this.deps.ingress.withdraw?.(upstreamName(s.id));
    await this.#removeSwarmServices(doomed);
    this.#background(this.#finish(doomed, removedHosts, o.projectIds ?? []));
    return { deleted, services: doomed, removedHosts };
  }

  async #assertIdle(tx: Db, doomed: Doomed[]): Promise<void> {
    if (!doomed.length) return;
    const [busy] = await tx
      .select({ serviceId: jobs.serviceId, type: jobs.type, state: jobs.state })
      .from(jobs)
      .where(and(inArray(jobs.serviceId, doomed.map((s) => s.id)), inArray(jobs.state, ['queued', 'running'])))
      .orderBy(sql`${jobs.seq}`)
      .limit(1);
    if (!busy) return;
    const name = doomed.find((s) => s.id === busy.serviceId)!.name;
    throw new Conflict(`service "${name}" has a ${busy.type} job ${busy.state}: wait for it to finish or cancel it, then delete again`);
  }

  /** Every Swarm service of the deleted services (app releases, database servers): they stop serving now. */
  async #removeSwarmServices(doomed: Doomed[]): Promise<void> {
    for (const s of doomed) {
      try {
        for (const release of await this.deps.docker.listServices({ labels: { 'berth.service': s.id } })) await this.deps.docker.removeService(release.name);
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message, service: s.id }, 'Swarm service of a deleted service not removed; the orphan sweep will');
      }
    }
  }

  async #finish(doomed: Doomed[], removedHosts: string[], projectIds: string[]): Promise<void> {
    for (const host of removedHosts) await this.#attempt(`certificate of ${host}`, () => this.deps.certificates.hostRemoved(host), 1);
    for (const s of doomed) {
      if (s.kind === 'database') await this.#attempt(`database ${s.id}`, () => this.deps.databases.removeDatabaseObjects(s.id), 1);
      await this.#attempt(`volumes of ${s.id}`, async () => {
        for (const v of await this.deps.docker.listVolumes({ labels: { 'berth.service': s.id } })) {
          if (!(await volumeWanted(this.deps.db, v.name))) await this.deps.docker.removeVolume(v.name);
        }
      });
      await this.#attempt(`images of ${s.id}`, async () => {
        const { inUse } = await this.deps.docker.pruneServiceImages({ serviceId: s.id, keep: 0 });
        if (inUse.length) throw new Error(`${inUse.length} image(s) still used by exiting containers`);
      });
    }
    for (const id of projectIds) await this.#attempt(`network of project ${id}`, async () => void (await this.deps.docker.removeNetwork(projectNetworkName(id))));
  }

  /** Retries `work` until it succeeds or the retry window closes; then logs and leaves it to the orphan sweep. */
  async #attempt(what: string, work: () => Promise<void>, tries = Number.POSITIVE_INFINITY): Promise<void> {
    const deadline = Date.now() + (this.deps.retryForMs ?? 60_000);
    for (let attempt = 1; ; attempt++) {
      try {
        await work();
        return;
      } catch (err) {
        if (attempt >= tries || Date.now() > deadline) {
          this.deps.log.warn({ err: (err as Error).message }, `teardown: ${what} not removed; the orphan sweep will retry`);
          return;
        }
        // Unreferenced: a pending retry never keeps the process alive (shutdown, a test's end).
        await delay(500, undefined, { ref: false });
      }
    }
  }

  #background(work: Promise<void>): void {
    const p = work.finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }
}

/**
 * App volumes are named by the user, so another service (any organisation's) may mount the same one:
 * it stays while any remaining service's spec names it.
 */
export async function volumeWanted(db: Db, name: string): Promise<boolean> {
  const { rows } = await db.execute(sql`SELECT 1 FROM services WHERE spec->'volumes' @> ${JSON.stringify([{ name }])}::jsonb LIMIT 1`);
  return rows.length > 0;
}
