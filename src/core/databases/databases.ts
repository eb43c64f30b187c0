// The database-service use-cases the transports call: create, list, show, reveal credentials, start,
// stop, restart, change version/resources/port, delete. Each mutation writes its rows and a `database`
// job in one transaction (jobs of one service never overlap); the job (job.ts) does the Docker work,
// so it is durable, logged and visible. Bad input fails before anything is written.
import { and, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Db } from '../../db/client.ts';
import * as schema from '../../db/schema/index.ts';
import { databases, environments, jobs, projects, services, type DatabaseDesiredState, type DatabaseStatus } from '../../db/schema/index.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import type { JobQueue } from '../../jobs/index.ts';
import { databaseServiceName } from '../../plan/database-service.ts';
import { isUniqueViolation } from '../db-errors.ts';
import { Conflict, Invalid, NotFound } from '../errors.ts';
import type { DatabaseCredentials } from './engine.ts';
import { ENGINES, versionChangeRefusal } from './engines.ts';
import { generateCredentials, openCredentials, sealCredentials } from './credentials.ts';
import type { DatabaseAction, DatabaseJobType } from './job.ts';
import { databaseSpecSchema, type DatabaseSpec, type NewDatabase, type UpdateDatabase } from './spec.ts';

export const EXTERNAL_PORT_WARNING =
  'the database is published on the node in host mode: anyone who can reach this server on that port can try its password. Close it (externalPort: null) unless you need it, and firewall it.';
export const NOT_ZERO_DOWNTIME =
  'databases are not zero-downtime: a change of version, resources or port stops the server (within its grace period) before the new one starts';

export interface DatabaseScope {
  orgId: string;
  project: string;
  environment: string;
}

export interface DatabaseView {
  id: string;
  name: string;
  project: string;
  environment: string;
  engine: string;
  version: string;
  resources: { cpus?: number | undefined; memoryMb?: number | undefined };
  externalPort: number | null;
  stopGracePeriodSeconds: number;
  desiredState: DatabaseDesiredState;
  status: DatabaseStatus;
  lastError: string | null;
  lastJobId: string | null;
  /** Where apps of the same project connect (the Swarm service's DNS name on the project network). */
  internal: { host: string; port: number; alias: string; url: string };
  /** The published port on the node, when there is one. */
  external: { port: number; url: string } | null;
  warnings: string[];
  createdAt: Date;
  updatedAt: Date;
}

type Row = {
  s: typeof services.$inferSelect;
  d: typeof databases.$inferSelect;
  /** The last job's state and error (a job whose worker died never wrote the row's status). */
  jobState: string | null;
  jobError: string | null;
  project: string;
  projectId: string;
  orgId: string;
  environment: string;
};

const MASK = '********';

/** Everything a job (or the backups feature) needs about one database service. */
export interface LoadedDatabase {
  serviceId: string;
  name: string;
  projectId: string;
  orgId: string;
  environmentId: string;
  spec: DatabaseSpec;
  desiredState: DatabaseDesiredState;
  status: DatabaseStatus;
  credentials: DatabaseCredentials;
}

export function connectionUrl(engineId: DatabaseSpec['engine'], c: DatabaseCredentials, host: string, port: number): string {
  return ENGINES[engineId].connectionString(c, host, port);
}

const TRANSITIONAL: readonly DatabaseStatus[] = ['creating', 'updating', 'deleting'];

/**
 * The row's status, unless its job ended without writing one (the worker was killed, the job was
 * cancelled before it started): then `failed`, with the job's reason. Nothing stays "creating" forever.
 */
function effectiveStatus(r: Row): { status: DatabaseStatus; lastError: string | null } {
  if (TRANSITIONAL.includes(r.d.status) && (r.jobState === 'failed' || r.jobState === 'cancelled')) {
    return { status: 'failed', lastError: r.d.lastError ?? r.jobError ?? `the job was ${r.jobState}` };
  }
  return { status: r.d.status, lastError: r.d.lastError };
}

function toView(r: Row, externalHost: string): DatabaseView {
  const spec = databaseSpecSchema.parse(r.s.spec);
  const engine = ENGINES[spec.engine];
  const masked: DatabaseCredentials = { user: r.d.userName, database: r.d.databaseName, password: MASK };
  const host = databaseServiceName(r.s.id);
  return {
    id: r.s.id,
    name: r.s.name,
    project: r.project,
    environment: r.environment,
    engine: spec.engine,
    version: spec.version,
    resources: spec.resources,
    externalPort: spec.externalPort,
    stopGracePeriodSeconds: spec.stopGracePeriodSeconds,
    desiredState: r.d.desiredState,
    ...effectiveStatus(r),
    lastJobId: r.d.lastJobId,
    internal: { host, port: engine.port, alias: r.s.name, url: engine.connectionString(masked, host, engine.port) },
    external: spec.externalPort ? { port: spec.externalPort, url: engine.connectionString(masked, externalHost, spec.externalPort) } : null,
    warnings: [NOT_ZERO_DOWNTIME, ...(spec.externalPort ? [EXTERNAL_PORT_WARNING] : [])],
    createdAt: r.s.createdAt,
    updatedAt: r.d.updatedAt,
  };
}

const selectRows = (db: Db) =>
  db
    .select({
      s: services,
      d: databases,
      jobState: jobs.state,
      jobError: jobs.lastError,
      project: projects.name,
      projectId: projects.id,
      orgId: projects.orgId,
      environment: environments.name,
    })
    .from(databases)
    .innerJoin(services, eq(services.id, databases.serviceId))
    .leftJoin(jobs, eq(jobs.id, databases.lastJobId))
    .innerJoin(environments, eq(environments.id, services.environmentId))
    .innerJoin(projects, eq(projects.id, environments.projectId));

export interface DatabasesDeps {
  pool: pg.Pool;
  db: Db;
  box: SecretBox;
  queue: JobQueue;
  jobType: DatabaseJobType;
  /** Host shown in external connection strings (the instance domain, else the node's address). */
  externalHost: () => Promise<string>;
}

export class Databases {
  constructor(private readonly deps: DatabasesDeps) {}

  async list(scope: { orgId: string; project?: string; environment?: string }): Promise<DatabaseView[]> {
    const rows = await selectRows(this.deps.db)
      .where(
        and(
          eq(projects.orgId, scope.orgId),
          scope.project ? eq(projects.name, scope.project) : undefined,
          scope.environment ? eq(environments.name, scope.environment) : undefined,
        ),
      )
      .orderBy(projects.name, environments.name, services.name);
    const host = await this.deps.externalHost();
    return rows.map((r) => toView(r, host));
  }

  async get(scope: DatabaseScope & { name: string }): Promise<DatabaseView> {
    return toView(await this.row(scope), await this.deps.externalHost());
  }

  /** The clear credentials and connection strings (the route is audited). */
  async reveal(scope: DatabaseScope & { name: string }): Promise<DatabaseCredentials & { internalUrl: string; externalUrl: string | null }> {
    const r = await this.row(scope);
    const spec = databaseSpecSchema.parse(r.s.spec);
    const c = openCredentials(this.deps.box, r.s.id, r.d);
    const engine = ENGINES[spec.engine];
    const host = await this.deps.externalHost();
    return {
      ...c,
      internalUrl: engine.connectionString(c, databaseServiceName(r.s.id), engine.port),
      externalUrl: spec.externalPort ? engine.connectionString(c, host, spec.externalPort) : null,
    };
  }

  async create(o: { environmentId: string; scope: DatabaseScope; input: NewDatabase }): Promise<DatabaseView> {
    const { input } = o;
    const engine = ENGINES[input.engine];
    const version = input.version ?? engine.defaultVersion;
    if (!engine.versions[version]) throw new Invalid([{ path: 'body/version', message: `${engine.label} versions: ${Object.keys(engine.versions).join(', ')}` }]);
    const spec = databaseSpecSchema.parse({
      engine: input.engine,
      version,
      resources: input.resources,
      externalPort: input.externalPort ?? null,
      stopGracePeriodSeconds: input.stopGracePeriodSeconds,
    });
    await this.assertPortFree(spec.externalPort, null);
    const credentials = generateCredentials({ user: input.user ?? 'app', database: input.databaseName ?? input.name.replaceAll('-', '_') });
    await this.inTransaction(async (tx, client) => {
      const [svc] = await tx.insert(services).values({ environmentId: o.environmentId, name: input.name, kind: 'database', spec }).returning();
      const serviceId = svc!.id;
      await tx.insert(databases).values({ serviceId, ...sealCredentials(this.deps.box, serviceId, credentials), status: 'creating', desiredState: 'running' });
      await this.enqueue(tx, client, { serviceId, orgId: o.scope.orgId, action: 'create' });
    }).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw new Conflict(`service "${input.name}" already exists in this environment`, { cause: err });
      throw err;
    });
    return this.get({ ...o.scope, name: input.name });
  }

  async update(scope: DatabaseScope & { name: string }, patch: UpdateDatabase): Promise<DatabaseView> {
    const r = await this.row(scope);
    this.assertNotBusy(r);
    const current = databaseSpecSchema.parse(r.s.spec);
    const parsed = databaseSpecSchema.safeParse({
      ...current,
      ...(patch.version !== undefined ? { version: patch.version } : {}),
      ...(patch.resources !== undefined ? { resources: patch.resources } : {}),
      ...(patch.externalPort !== undefined ? { externalPort: patch.externalPort } : {}),
      ...(patch.stopGracePeriodSeconds !== undefined ? { stopGracePeriodSeconds: patch.stopGracePeriodSeconds } : {}),
    });
    if (!parsed.success) throw new Invalid(parsed.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('/'), message: i.message })));
    if (parsed.data.externalPort !== current.externalPort) await this.assertPortFree(parsed.data.externalPort, r.s.id);
    const refusal = versionChangeRefusal(ENGINES[current.engine], current.version, parsed.data.version);
    if (refusal) throw new Invalid([{ path: 'body/version', message: refusal }]);
    const action: DatabaseAction = parsed.data.version !== current.version ? 'set-version' : 'converge';
    await this.inTransaction(async (tx, client) => {
      await tx.update(services).set({ spec: parsed.data, updatedAt: new Date() }).where(eq(services.id, r.s.id));
      await tx.update(databases).set({ status: 'updating', lastError: null, updatedAt: new Date() }).where(eq(databases.serviceId, r.s.id));
      await this.enqueue(tx, client, { serviceId: r.s.id, orgId: r.orgId, action, fromVersion: current.version });
    });
    return this.get(scope);
  }

  async setDesiredState(scope: DatabaseScope & { name: string }, desired: DatabaseDesiredState): Promise<DatabaseView> {
    const r = await this.row(scope);
    this.assertNotBusy(r);
    await this.inTransaction(async (tx, client) => {
      await tx.update(databases).set({ desiredState: desired, status: 'updating', lastError: null, updatedAt: new Date() }).where(eq(databases.serviceId, r.s.id));
      await this.enqueue(tx, client, { serviceId: r.s.id, orgId: r.orgId, action: 'converge' });
    });
    return this.get(scope);
  }

  async restart(scope: DatabaseScope & { name: string }): Promise<DatabaseView> {
    const r = await this.row(scope);
    this.assertNotBusy(r);
    if (r.d.desiredState !== 'running') throw new Conflict('the database is stopped: start it instead');
    await this.inTransaction(async (tx, client) => {
      await tx.update(databases).set({ status: 'updating', lastError: null, updatedAt: new Date() }).where(eq(databases.serviceId, r.s.id));
      await this.enqueue(tx, client, { serviceId: r.s.id, orgId: r.orgId, action: 'restart' });
    });
    return this.get(scope);
  }

  /** Marks the database for deletion; the job removes the Swarm service and the volume, then the rows. */
  async delete(scope: DatabaseScope & { name: string }): Promise<DatabaseView> {
    const r = await this.row(scope);
    if (effectiveStatus(r).status === 'deleting') throw new Conflict('the database is already being deleted');
    await this.inTransaction(async (tx, client) => {
      await tx.update(databases).set({ status: 'deleting', updatedAt: new Date() }).where(eq(databases.serviceId, r.s.id));
      await this.enqueue(tx, client, { serviceId: r.s.id, orgId: r.orgId, action: 'delete' });
    });
    return this.get(scope);
  }

  /**
   * A host port can be published once per node: refuse one another Berth service (a database's
   * external port, an app's published port) already has, before anything is stopped for it.
   */
  private async assertPortFree(port: number | null | undefined, exceptServiceId: string | null): Promise<void> {
    if (!port) return;
    const { rows } = await this.deps.pool.query<{ name: string }>(
      `SELECT s.name FROM services s
        WHERE ($1::uuid IS NULL OR s.id <> $1::uuid)
          AND ((s.kind = 'database' AND s.spec->>'externalPort' = $2::text)
            OR (s.kind = 'app' AND s.spec->'ports' @> jsonb_build_array(jsonb_build_object('published', $2::int))))
        LIMIT 1`,
      [exceptServiceId, port],
    );
    if (rows[0]) throw new Invalid([{ path: 'body/externalPort', message: `port ${port} is already published by service "${rows[0].name}"` }]);
  }

  private assertNotBusy(r: Row): void {
    if (effectiveStatus(r).status === 'deleting') throw new Conflict('the database is being deleted');
  }

  private async row(scope: DatabaseScope & { name: string }): Promise<Row> {
    const [r] = await selectRows(this.deps.db)
      .where(and(eq(projects.orgId, scope.orgId), eq(projects.name, scope.project), eq(environments.name, scope.environment), eq(services.name, scope.name)))
      .limit(1);
    if (!r) throw new NotFound(`database "${scope.name}" not found`);
    return r;
  }

  private async enqueue(tx: Db, client: pg.PoolClient, o: { serviceId: string; orgId: string; action: DatabaseAction; fromVersion?: string }): Promise<void> {
    const job = await this.deps.queue.enqueue({
      type: this.deps.jobType,
      payload: { serviceId: o.serviceId, action: o.action, ...(o.fromVersion ? { fromVersion: o.fromVersion } : {}) },
      serviceId: o.serviceId,
      orgId: o.orgId,
      db: client,
    });
    await tx.update(databases).set({ lastJobId: job.id }).where(eq(databases.serviceId, o.serviceId));
  }

  private async inTransaction(work: (tx: Db, client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.deps.pool.connect();
    try {
      await client.query('BEGIN');
      await work(drizzle(client, { schema }) as unknown as Db, client);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** Loads one database service with its decrypted credentials (jobs and backups; never a transport). */
export async function loadDatabase(db: Db, box: SecretBox, serviceId: string): Promise<LoadedDatabase> {
  const [r] = await selectRows(db).where(eq(services.id, serviceId)).limit(1);
  if (!r) throw new NotFound(`database service ${serviceId} not found`);
  return {
    serviceId: r.s.id,
    name: r.s.name,
    projectId: r.projectId,
    orgId: r.orgId,
    environmentId: r.s.environmentId,
    spec: databaseSpecSchema.parse(r.s.spec),
    desiredState: r.d.desiredState,
    status: effectiveStatus(r).status,
    credentials: openCredentials(box, r.s.id, r.d),
  };
}
