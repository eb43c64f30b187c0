// The backup use-cases the transports call: run a backup now, list and show backups, schedules (cron,
// retention), restore. Each request writes its row and its job in one transaction; the jobs (runner.ts)
// do the work. Schedules are durable and replica-safe: the next run time is a column, and a due
// schedule is claimed with FOR UPDATE SKIP LOCKED, its backup row and job written and its next run
// time moved on in the same transaction — so a slot is enqueued exactly once, whichever replica ticks.
import { randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { backupRestores, backups, backupSchedules, type BackupKind, type BackupTrigger } from '../../db/schema/index.ts';
import { VOLUME_NAME } from '../../infra/docker/containers.ts';
import { defineJob, type JobContext, type JobQueue } from '../../jobs/index.ts';
import { Invalid, NotFound } from '../errors.ts';
import { resourceName } from '../names.ts';
import { assertSchedule, nextRunAt } from './cron.ts';
import type { Destinations } from './destinations.ts';
import type { ContainerGateway } from '../../infra/docker/containers.ts';
import { assertSameEngine, assertVolumeOfService, objectKey, type BackupRunner } from './runner.ts';
import type { DatabaseResolver } from './subjects.ts';

/** A dump of a large database takes a while; a stuck one must still end. */
const BACKUP_TIMEOUT_SECONDS = 6 * 3600;

/** `backup` takes a backup and verifies it; `verify` verifies a stored one again. */
export function backupJobType(run: (backupId: string, mode: 'backup' | 'verify', ctx: JobContext) => Promise<unknown>) {
  return defineJob({
    name: 'backup',
    schema: z.object({ backupId: z.uuid(), mode: z.enum(['backup', 'verify']).default('backup') }),
    maxAttempts: 1,
    timeoutSeconds: BACKUP_TIMEOUT_SECONDS,
    handler: (p, ctx) => run(p.backupId, p.mode, ctx),
  });
}
export function restoreJobType(run: (restoreId: string, ctx: JobContext) => Promise<unknown>) {
  return defineJob({ name: 'restore', schema: z.object({ restoreId: z.uuid() }), maxAttempts: 1, timeoutSeconds: BACKUP_TIMEOUT_SECONDS, handler: (p, ctx) => run(p.restoreId, ctx) });
}
export type BackupJobType = ReturnType<typeof backupJobType>;
export type RestoreJobType = ReturnType<typeof restoreJobType>;

const volumeName = z.string().regex(VOLUME_NAME, 'expected a volume name (lowercase letters, digits, _ . -)');

export const backupRequestSchema = z
  .object({
    destination: resourceName.describe('name of a backup destination of the organisation'),
    kind: z.enum(['database', 'volume']).default('database'),
    volume: volumeName.optional().describe('the named volume (kind volume)'),
    stopService: z.boolean().default(false).describe('volume backups: stop the service while its volume is copied'),
  })
  .refine((b) => (b.kind === 'volume') === (b.volume !== undefined), { path: ['volume'], message: 'a volume backup names its volume; a database backup does not' });
export type BackupRequest = z.input<typeof backupRequestSchema>;

export const scheduleInputSchema = z
  .object({
    destination: resourceName,
    kind: z.enum(['database', 'volume']).default('database'),
    volume: volumeName.optional(),
    stopService: z.boolean().default(false),
    cron: z.string().min(1).max(100).describe('five-field cron expression (minute hour day month weekday) or @daily etc.'),
    timezone: z.string().min(1).max(64).default('UTC'),
    keepCount: z.int().min(1).max(10_000).nullish().describe('keep at most this many good backups'),
    keepDays: z.int().min(1).max(36_500).nullish().describe('remove backups older than this many days (the newest good one is always kept)'),
    enabled: z.boolean().default(true),
  })
  .refine((b) => (b.kind === 'volume') === (b.volume !== undefined), { path: ['volume'], message: 'a volume backup names its volume; a database backup does not' });
export type ScheduleInput = z.input<typeof scheduleInputSchema>;

export interface ServiceRef {
  id: string;
  orgId: string;
  kind: string;
}

export type BackupView = typeof backups.$inferSelect & { destination: string };
export type ScheduleView = typeof backupSchedules.$inferSelect & { destination: string };
export type RestoreView = typeof backupRestores.$inferSelect;

export interface BackupsOptions {
  db: Db;
  pool: pg.Pool;
  queue: JobQueue;
  backupJob: BackupJobType;
  restoreJob: RestoreJobType;
  destinations: Destinations;
  runner: BackupRunner;
  databases: DatabaseResolver;
  containers: ContainerGateway;
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new Invalid(r.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('/'), message: i.message })));
}

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await work(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export class Backups {
  constructor(private readonly o: BackupsOptions) {}

  get runner(): BackupRunner {
    return this.o.runner;
  }

  get destinations(): Destinations {
    return this.o.destinations;
  }

  // ---- backups ----

  /** Queues a backup of the service now. */
  async request(service: ServiceRef, input: BackupRequest): Promise<BackupView> {
    const req = parse(backupRequestSchema, input);
    const destination = await this.o.destinations.row(service.orgId, req.destination).catch((err: unknown) => {
      if (err instanceof NotFound) throw new Invalid([{ path: 'body/destination', message: err.message }]);
      throw err;
    });
    const engine = req.kind === 'database' ? await this.engineOf(service) : null;
    if (req.volume) await assertVolumeOfService(this.o.containers, req.volume, service.id);
    const id = await inTransaction(this.o.pool, (client) =>
      this.insertBackup(client, { service, destinationId: destination.id, kind: req.kind, volume: req.volume ?? null, stopService: req.stopService, trigger: 'manual', scheduleId: null, engine }),
    );
    return this.get(service.id, id);
  }

  async list(serviceId: string, opts: { limit?: number } = {}): Promise<BackupView[]> {
    const rows = await this.o.db
      .select()
      .from(backups)
      .where(eq(backups.serviceId, serviceId))
      .orderBy(desc(backups.createdAt))
      .limit(Math.min(opts.limit ?? 100, 500));
    return this.withDestinationNames(rows);
  }

  async get(serviceId: string, backupId: string): Promise<BackupView> {
    if (!z.uuid().safeParse(backupId).success) throw new NotFound(`backup ${backupId} not found`);
    const [row] = await this.o.db.select().from(backups).where(and(eq(backups.serviceId, serviceId), eq(backups.id, backupId)));
    if (!row) throw new NotFound(`backup ${backupId} not found`);
    return (await this.withDestinationNames([row]))[0]!;
  }

  /** Queues a fresh verification of a stored backup. */
  async verifyAgain(service: ServiceRef, backupId: string): Promise<BackupView> {
    const backup = await this.get(service.id, backupId);
    if (!backup.sha256 || backup.objectDeletedAt) throw new Invalid([{ path: 'params/id', message: 'the backup has no stored object to verify' }]);
    await this.o.queue.enqueue({ type: this.o.backupJob, payload: { backupId, mode: 'verify' }, serviceId: service.id, orgId: service.orgId });
    return backup;
  }

  // ---- restore ----

  /**
   * Queues a restore of one of `source`'s backups into `target` (the same service by default). A
   * database backup only goes into a database of the same engine: anything else is a 400 before
   * anything is written.
   */
  async restore(source: ServiceRef, backupId: string, target: ServiceRef = source, opts: { newDatabase?: boolean } = {}): Promise<RestoreView> {
    const backup = await this.restorable(source, backupId);
    if (target.orgId !== source.orgId) throw new NotFound('target service not found');
    if (backup.kind === 'volume' && target.id !== source.id) throw new Invalid([{ path: 'body/target', message: 'a volume backup restores into its own volume only' }]);
    if (backup.kind === 'database') {
      if (target.kind !== 'database') throw new Invalid([{ path: 'body/target', message: `the target is a ${target.kind} service, not a database` }]);
      // A database created for this restore has the backup's engine and is not running yet: its job
      // (queued first, same service) runs before the restore's.
      if (!opts.newDatabase) assertSameEngine(backup, await this.o.databases.resolve(target.id));
    }
    const id = randomUUID();
    await inTransaction(this.o.pool, async (client) => {
      const job = await this.o.queue.enqueue({ type: this.o.restoreJob, payload: { restoreId: id }, serviceId: target.id, orgId: target.orgId, db: client });
      await client.query('INSERT INTO backup_restores (id, org_id, backup_id, target_service_id, job_id) VALUES ($1, $2, $3, $4, $5)', [id, target.orgId, backup.id, target.id, job.id]);
    });
    return this.getRestore(undefined, id);
  }

  /** The backup if it can be restored (verified, object still stored); a 400 naming why otherwise. */
  async restorable(source: ServiceRef, backupId: string): Promise<BackupView> {
    const backup = await this.get(source.id, backupId);
    if (backup.status !== 'succeeded' || !backup.sha256) throw new Invalid([{ path: 'params/id', message: `backup ${backup.id} is ${backup.status}: only a verified backup can be restored` }]);
    if (backup.objectDeletedAt) throw new Invalid([{ path: 'params/id', message: `backup ${backup.id} was removed by retention` }]);
    return backup;
  }

  /** A restore, by id; with `targetServiceId`, only one into that service. */
  async getRestore(targetServiceId: string | undefined, restoreId: string): Promise<RestoreView> {
    if (!z.uuid().safeParse(restoreId).success) throw new NotFound(`restore ${restoreId} not found`);
    const [row] = await this.o.db
      .select()
      .from(backupRestores)
      .where(and(eq(backupRestores.id, restoreId), targetServiceId ? eq(backupRestores.targetServiceId, targetServiceId) : undefined));
    if (!row) throw new NotFound(`restore ${restoreId} not found`);
    return row;
  }

  /**
   * The hook for changes that replace a database's data (a version change): a verified backup to the
   * destination of the service's newest backup or schedule, taken inline in the caller's job. Returns
   * the backup id, or null when the service has no destination to back up to.
   */
  async safetyBackup(serviceId: string, ctx?: Pick<JobContext, 'log' | 'signal'>): Promise<string | null> {
    const [recent] = await this.o.db
      .select({ destinationId: backups.destinationId, orgId: backups.orgId })
      .from(backups)
      .where(and(eq(backups.serviceId, serviceId), eq(backups.kind, 'database')))
      .orderBy(desc(backups.createdAt))
      .limit(1);
    const [scheduled] = recent
      ? [recent]
      : await this.o.db
          .select({ destinationId: backupSchedules.destinationId, orgId: backupSchedules.orgId })
          .from(backupSchedules)
          .where(and(eq(backupSchedules.serviceId, serviceId), eq(backupSchedules.kind, 'database')))
          .limit(1);
    if (!scheduled) {
      await ctx?.log?.('no backup destination for this database: no safety backup taken');
      return null;
    }
    return this.o.runner.safetyBackup({ serviceId, orgId: scheduled.orgId, destinationId: scheduled.destinationId, kind: 'database', volume: null }, ctx);
  }

  // ---- schedules ----

  async createSchedule(service: ServiceRef, input: ScheduleInput, now = new Date()): Promise<ScheduleView> {
    const s = parse(scheduleInputSchema, input);
    assertSchedule(s.cron, s.timezone);
    const destination = await this.o.destinations.row(service.orgId, s.destination).catch((err: unknown) => {
      if (err instanceof NotFound) throw new Invalid([{ path: 'body/destination', message: err.message }]);
      throw err;
    });
    if (s.kind === 'database') await this.engineOf(service);
    if (s.volume) await assertVolumeOfService(this.o.containers, s.volume, service.id);
    const [row] = await this.o.db
      .insert(backupSchedules)
      .values({
        orgId: service.orgId,
        serviceId: service.id,
        destinationId: destination.id,
        kind: s.kind,
        volume: s.volume ?? null,
        stopService: s.stopService,
        cron: s.cron.trim(),
        timezone: s.timezone,
        keepCount: s.keepCount ?? null,
        keepDays: s.keepDays ?? null,
        enabled: s.enabled,
        nextRunAt: s.enabled ? nextRunAt(s.cron, s.timezone, now) : null,
      })
      .returning();
    return { ...row!, destination: destination.name };
  }

  async listSchedules(serviceId: string): Promise<ScheduleView[]> {
    const rows = await this.o.db.select().from(backupSchedules).where(eq(backupSchedules.serviceId, serviceId)).orderBy(backupSchedules.createdAt);
    return this.withDestinationNames(rows);
  }

  async schedule(serviceId: string, scheduleId: string): Promise<ScheduleView> {
    if (!z.uuid().safeParse(scheduleId).success) throw new NotFound(`schedule ${scheduleId} not found`);
    const [row] = await this.o.db.select().from(backupSchedules).where(and(eq(backupSchedules.serviceId, serviceId), eq(backupSchedules.id, scheduleId)));
    if (!row) throw new NotFound(`schedule ${scheduleId} not found`);
    return (await this.withDestinationNames([row]))[0]!;
  }

  async removeSchedule(serviceId: string, scheduleId: string): Promise<void> {
    await this.schedule(serviceId, scheduleId);
    await this.o.db.delete(backupSchedules).where(eq(backupSchedules.id, scheduleId));
  }

  /** Runs a schedule's backup now (its retention applies to it), without moving its next run. */
  async runSchedule(service: ServiceRef, scheduleId: string): Promise<BackupView> {
    const s = await this.schedule(service.id, scheduleId);
    const engine = s.kind === 'database' ? await this.engineOf(service) : null;
    const id = await inTransaction(this.o.pool, (client) =>
      this.insertBackup(client, { service, destinationId: s.destinationId, kind: s.kind, volume: s.volume, stopService: s.stopService, trigger: 'schedule', scheduleId: s.id, engine }),
    );
    return this.get(service.id, id);
  }

  /**
   * One scheduler tick: every due schedule gets one backup (a missed slot while no replica ran is
   * caught up once, not once per slot) and its next run time. Safe to call from every replica at once.
   */
  async enqueueDue(now = new Date(), limit = 50): Promise<string[]> {
    return inTransaction(this.o.pool, async (client) => {
      const { rows } = await client.query<{ id: string; org_id: string; service_id: string; destination_id: string; kind: BackupKind; volume: string | null; stop_service: boolean; cron: string; timezone: string; service_kind: string }>(
        `SELECT s.id, s.org_id, s.service_id, s.destination_id, s.kind, s.volume, s.stop_service, s.cron, s.timezone, v.kind AS service_kind
         FROM backup_schedules s JOIN services v ON v.id = s.service_id
         WHERE s.enabled AND s.next_run_at <= $1
         ORDER BY s.next_run_at LIMIT $2 FOR UPDATE OF s SKIP LOCKED`,
        [now, limit],
      );
      const created: string[] = [];
      for (const s of rows) {
        const service = { id: s.service_id, orgId: s.org_id, kind: s.service_kind };
        const engine = s.kind === 'database' ? await this.engineOf(service).catch(() => null) : null;
        created.push(await this.insertBackup(client, { service, destinationId: s.destination_id, kind: s.kind, volume: s.volume, stopService: s.stop_service, trigger: 'schedule', scheduleId: s.id, engine }));
        await client.query('UPDATE backup_schedules SET next_run_at = $2, last_run_at = $3 WHERE id = $1', [s.id, nextRunAt(s.cron, s.timezone, now), now]);
      }
      return created;
    });
  }

  /** Ticks every `intervalMs` until the returned function is called. Errors are reported, never thrown. */
  startScheduler(opts: { intervalMs?: number; onError?: (err: unknown) => void } = {}): () => void {
    let running = false;
    const tick = () => {
      if (running) return;
      running = true;
      this.enqueueDue()
        .catch((err: unknown) => opts.onError?.(err))
        .finally(() => (running = false));
    };
    const timer = setInterval(tick, opts.intervalMs ?? 15_000);
    timer.unref();
    tick();
    return () => clearInterval(timer);
  }

  // ---- plumbing ----

  private async insertBackup(
    client: pg.PoolClient,
    o: { service: ServiceRef; destinationId: string; kind: BackupKind; volume: string | null; stopService: boolean; trigger: BackupTrigger; scheduleId: string | null; engine: string | null },
  ): Promise<string> {
    const id = randomUUID();
    const at = new Date();
    const key = objectKey({ serviceId: o.service.id, kind: o.kind, volume: o.volume, backupId: id, at, engine: o.engine });
    const job = await this.o.queue.enqueue({ type: this.o.backupJob, payload: { backupId: id }, serviceId: o.service.id, orgId: o.service.orgId, db: client });
    await client.query(
      `INSERT INTO backups (id, org_id, service_id, destination_id, schedule_id, kind, volume, stop_service, trigger, engine, object_key, job_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [id, o.service.orgId, o.service.id, o.destinationId, o.scheduleId, o.kind, o.volume, o.stopService, o.trigger, o.engine, key, job.id, at],
    );
    return id;
  }

  /** A database backup needs a database service; its engine names the object. */
  private async engineOf(service: ServiceRef): Promise<string> {
    if (service.kind !== 'database') throw new Invalid([{ path: 'body/kind', message: `a ${service.kind} service has no database to dump: back up one of its volumes (kind "volume")` }]);
    return (await this.o.databases.resolve(service.id)).engine.id;
  }

  private async withDestinationNames<T extends { destinationId: string; orgId: string }>(rows: T[]): Promise<Array<T & { destination: string }>> {
    if (!rows.length) return [];
    const names = new Map((await this.o.destinations.list(rows[0]!.orgId)).map((d) => [d.id, d.name]));
    return rows.map((r) => ({ ...r, destination: names.get(r.destinationId) ?? '' }));
  }
}
