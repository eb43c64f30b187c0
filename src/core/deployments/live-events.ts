// Live events for the dashboard, per organisation: job state changes from the bus become `job`,
// `deployment` and `status` events for the organisation that owns the job, and container starts, deaths
// and health changes of Berth's services (Docker's event stream) become `status` events. One instance per
// process fans out to every open stream, so the bus subscription, the database reads and the Docker
// event stream are shared however many browser tabs follow: each event is read once, then written to
// the streams of its own organisation only — never to another's.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { deployments, environments, jobs, projects, services } from '../../db/schema/index.ts';
import type { EventBus, Unsubscribe } from '../../infra/bus/index.ts';
import type { DockerGateway } from '../../infra/docker/index.ts';
import { JOB_STATE_TOPIC, type JobStateEvent } from '../../jobs/index.ts';
import type { JobsFacade } from '../system/jobs-facade.ts';
import { getService } from '../services/services.ts';
import { getDeployment, syncDeploymentsWithJobs, type DeploymentView } from './deployments.ts';
import { servicesStatus, type ServiceStatusSummary } from './status.ts';

export type LiveEvent =
  | { event: 'job'; data: JobStateEvent }
  | { event: 'deployment'; data: DeploymentView & { service: ServiceRef; position: number | null } }
  | { event: 'status'; data: ServiceStatusSummary & { service: ServiceRef } };

export interface ServiceRef {
  id: string;
  name: string;
  project: string;
  environment: string;
}

export type LiveListener = (e: LiveEvent) => void;

export interface LiveEventsDeps {
  db: Db;
  bus: EventBus;
  docker: DockerGateway;
  jobs: JobsFacade;
  baseDomain: () => Promise<string | null>;
  log?: { warn(obj: object, msg: string): void };
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
/** Docker reports a crash loop as many events: one status read per service per this many ms. */
const STATUS_DEBOUNCE_MS = 400;
const RETRIES_FOR_UNCOMMITTED = 5;

export class LiveEvents {
  readonly #deps: LiveEventsDeps;
  readonly #listeners = new Map<string, Set<LiveListener>>();
  #busSubscription: Promise<Unsubscribe> | undefined;
  #dockerEvents: AbortController | undefined;
  /** Events are handled one at a time, in arrival order: a slow read never overtakes a newer one. */
  #chain: Promise<void> = Promise.resolve();
  readonly #pendingStatus = new Map<string, NodeJS.Timeout>();

  constructor(deps: LiveEventsDeps) {
    this.#deps = deps;
  }

  get listenerCount(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  /** Starts delivering the organisation's events to `listener`; resolves once the bus subscription is live. */
  async subscribe(orgId: string, listener: LiveListener): Promise<() => void> {
    const set = this.#listeners.get(orgId) ?? new Set();
    set.add(listener);
    this.#listeners.set(orgId, set);
    // The bus subscription lives as long as the process: cheap when idle, and no subscribe/unsubscribe race.
    this.#busSubscription ??= this.#deps.bus.subscribe(JOB_STATE_TOPIC, (p) => this.#enqueue(() => this.#onJobState(p as JobStateEvent)));
    await this.#busSubscription;
    this.#startDockerEvents();
    return () => {
      set.delete(listener);
      if (!set.size) this.#listeners.delete(orgId);
      if (!this.#listeners.size) this.#stopDockerEvents();
    };
  }

  async close(): Promise<void> {
    this.#stopDockerEvents();
    this.#listeners.clear();
    for (const t of this.#pendingStatus.values()) clearTimeout(t);
    const sub = this.#busSubscription;
    this.#busSubscription = undefined;
    if (sub) await (await sub)();
  }

  #enqueue(work: () => Promise<void>): void {
    this.#chain = this.#chain.then(work).catch((err: unknown) => this.#deps.log?.warn({ err }, 'live event dropped'));
  }

  #emit(orgId: string, e: LiveEvent): void {
    for (const listener of this.#listeners.get(orgId) ?? []) listener(e);
  }

  async #onJobState(e: JobStateEvent, attempt = 0): Promise<void> {
    if (!this.#listeners.size) return;
    const [job] = await this.#deps.db.select({ orgId: jobs.orgId }).from(jobs).where(eq(jobs.id, e.jobId));
    // A job is announced inside the transaction that creates it: until that commits, the row is not
    // visible. Look again shortly (off the chain, so other events are not held up); every read is of
    // the current rows, so an event handled late still reports the newest state.
    if (!job && attempt < RETRIES_FOR_UNCOMMITTED) {
      setTimeout(() => this.#enqueue(() => this.#onJobState(e, attempt + 1)), 100 * 2 ** attempt).unref();
      return;
    }
    const orgId = job?.orgId;
    if (!orgId || !this.#listeners.has(orgId)) return;
    this.#emit(orgId, { event: 'job', data: e });
    if (!e.serviceId) return;
    const found = await this.#serviceRef(e.serviceId);
    if (!found) return;
    const { orgId: _owner, ...service } = found;
    if (FINISHED.has(e.state)) await syncDeploymentsWithJobs(this.#deps.db);
    const [row] = await this.#deps.db.select({ id: deployments.id }).from(deployments).where(eq(deployments.jobId, e.jobId));
    const d = row ? await getDeployment(this.#deps.db, { serviceId: service.id, id: row.id }).catch(() => undefined) : undefined;
    if (d) {
      const position = d.status === 'queued' ? ((await this.#deps.jobs.get({ orgId, id: e.jobId }))?.position ?? null) : null;
      this.#emit(orgId, { event: 'deployment', data: { ...d, service, position } });
    }
    await this.#emitStatus(orgId, service);
  }

  async #emitStatus(orgId: string, ref: ServiceRef): Promise<void> {
    const service = await getService(this.#deps.db, { orgId, project: ref.project, environment: ref.environment, name: ref.name }).catch(() => undefined);
    if (!service) return;
    const [summary] = await servicesStatus(this.#deps.db, { services: [service], baseDomain: await this.#deps.baseDomain(), runningTasks: () => this.#deps.docker.runningTasksByService() });
    if (summary) this.#emit(orgId, { event: 'status', data: { ...summary, service: ref } });
  }

  async #serviceRef(serviceId: string): Promise<(ServiceRef & { orgId: string }) | undefined> {
    const [row] = await this.#deps.db
      .select({ id: services.id, name: services.name, project: projects.name, environment: environments.name, orgId: projects.orgId })
      .from(services)
      .innerJoin(environments, eq(environments.id, services.environmentId))
      .innerJoin(projects, eq(projects.id, environments.projectId))
      .where(eq(services.id, serviceId));
    return row;
  }

  /** While anyone listens: containers of Berth services starting, dying or changing health → status. */
  #startDockerEvents(): void {
    if (this.#dockerEvents) return;
    const abort = new AbortController();
    this.#dockerEvents = abort;
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          const stream = this.#deps.docker.events({
            filters: { type: ['container'], event: ['start', 'die', 'health_status'], label: ['berth.managed=true'] },
            signal: abort.signal,
          });
          for await (const event of stream) {
            const serviceId = (event as { Actor?: { Attributes?: Record<string, string> } }).Actor?.Attributes?.['berth.service'];
            if (serviceId) this.#statusSoon(serviceId);
          }
        } catch (err) {
          this.#deps.log?.warn({ err }, 'docker event stream interrupted');
        }
        if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 2000));
      }
    })();
  }

  #stopDockerEvents(): void {
    this.#dockerEvents?.abort();
    this.#dockerEvents = undefined;
  }

  #statusSoon(serviceId: string): void {
    if (this.#pendingStatus.has(serviceId)) return;
    this.#pendingStatus.set(
      serviceId,
      setTimeout(() => {
        this.#pendingStatus.delete(serviceId);
        this.#enqueue(async () => {
          const ref = await this.#serviceRef(serviceId);
          if (ref && this.#listeners.has(ref.orgId)) {
            const { orgId, ...service } = ref;
            await this.#emitStatus(orgId, service);
          }
        });
      }, STATUS_DEBOUNCE_MS),
    );
  }
}
