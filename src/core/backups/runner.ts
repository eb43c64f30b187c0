// What the backup and restore jobs do. A backup: dump (docker exec of the engine's dump argv, secrets in
// the exec's env) or tar of a volume → gzip → multipart upload, size and SHA-256 recorded → verified
// by restoring it into a throwaway container → retention of its schedule. A restore: a safety backup of
// the target first, then the chosen backup streamed into it. Every state change is published on the bus
// (`backup.state`); a failed verification also raises `backup.failed`.
// Must never: mark a backup good that was not verified, hold a dump in memory or on disk, or restore
// into a database of another engine.
import { and, desc, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { backupRestores, backups, backupSchedules, type BackupStatus, type VerificationStatus } from '../../db/schema/index.ts';
import type { EventBus } from '../../infra/bus/bus.ts';
import type { ContainerGateway } from '../../infra/docker/containers.ts';
import { assertExecSucceeded } from '../../infra/docker/exec.ts';
import type { ObjectStorage } from '../../infra/storage/index.ts';
import type { JobContext } from '../../jobs/index.ts';
import { Invalid, NotFound } from '../errors.ts';
import type { Destinations } from './destinations.ts';
import { planRetention } from './retention.ts';
import { uploadCompressed } from './stream.ts';
import type { DatabaseResolver, DatabaseSubject, ServiceControl } from './subjects.ts';
import { restoreDump, verifyDatabaseBackup, verifyVolumeBackup, type VerificationOutcome } from './verify.ts';
import { backupVolume, restoreVolume } from './volumes.ts';

export const BACKUP_STATE_TOPIC = 'backup.state';
export const BACKUP_FAILED_TOPIC = 'backup.failed';

export interface BackupRunnerOptions {
  db: Db;
  bus: EventBus;
  destinations: Destinations;
  containers: ContainerGateway;
  databases: DatabaseResolver;
  services?: ServiceControl;
  /** Image with tar/find/sleep for volume backups and their verification. */
  toolsImage: string;
}

type BackupRow = typeof backups.$inferSelect;
type Log = Pick<JobContext, 'log'>['log'];
const quiet: Log = async () => undefined;

/** `<service id>/<kind>/<ISO time>-<backup id>.<ext>` under the destination's prefix. */
export function objectKey(o: { serviceId: string; kind: 'database' | 'volume'; volume?: string | null; backupId: string; at: Date; engine?: string | null }): string {
  const stamp = o.at.toISOString().replace(/[:.]/g, '-');
  const what = o.kind === 'volume' ? `volume/${o.volume}` : 'database';
  const ext = o.kind === 'volume' ? 'tar.gz' : `${o.engine ?? 'dump'}.gz`;
  return `${o.serviceId}/${what}/${stamp}-${o.backupId}.${ext}`;
}

export class BackupRunner {
  constructor(private readonly o: BackupRunnerOptions) {}

  /** The backup job's handler. Never throws for a failed backup: the row says why (the job fails too). */
  async run(backupId: string, ctx?: Pick<JobContext, 'log' | 'signal'>): Promise<{ status: BackupStatus; verification: VerificationStatus }> {
    const row = await this.row(backupId);
    const log = ctx?.log ?? quiet;
    const signal = ctx?.signal;
    await this.update(row, { status: 'running', startedAt: new Date(), error: null });
    let storage: ObjectStorage | undefined;
    let result: { status: BackupStatus; verification: VerificationStatus };
    try {
      storage = await this.o.destinations.storage(row.destinationId);
      const outcome = row.kind === 'database' ? await this.backupDatabase(row, storage, log, signal) : await this.backupVolumeRow(row, storage, log, signal);
      result = await this.recordVerification(row, outcome, log);
      if (row.scheduleId) await this.applyRetention(row.scheduleId, log).catch((err: unknown) => log(`retention failed: ${(err as Error).message}`));
    } catch (err) {
      const message = (err as Error).message;
      await this.update(row, { status: 'failed', error: message, finishedAt: new Date() });
      await this.publishFailure(row, message);
      await log(`backup failed: ${message}`);
      throw err;
    } finally {
      storage?.close();
    }
    // Recorded and announced above; the job fails too, so a job list shows it.
    if (result.status !== 'succeeded') throw new VerificationFailed(row.id, row.error ?? 'verification failed');
    return result;
  }

  private async backupDatabase(row: BackupRow, storage: ObjectStorage, log: Log, signal?: AbortSignal): Promise<VerificationOutcome> {
    const db = await this.o.databases.resolve(row.serviceId!);
    const { engine, credentials } = db;
    await this.update(row, { engine: engine.id, engineVersion: db.version, image: db.image });
    // No report of the live database first: the engines' verification checksums every row (50 s for
    // 790 MiB of PostgreSQL, as long as the dump itself), load the production server should not carry
    // per backup. The restored copy's report is what is stored.
    await log(`dumping ${engine.label} ${db.version} to ${row.objectKey}`);
    const argv = engine.dump(credentials);
    const t0 = performance.now();
    const { stdout, done } = await this.o.containers.execStream(db.containerId, { argv, env: engine.execEnv(credentials), ...(signal ? { signal } : {}) });
    const uploaded = await uploadCompressed(stdout, storage, row.objectKey, signal ? { signal } : {});
    const exit = await done;
    if (exit.exitCode !== 0) {
      await storage.delete([row.objectKey]).catch(() => undefined);
      assertExecSucceeded(argv, exit);
    }
    await this.update(row, { sizeBytes: uploaded.sizeBytes, sha256: uploaded.sha256, status: 'verifying' });
    await log(`uploaded ${uploaded.sizeBytes} bytes in ${Math.round(performance.now() - t0)} ms (sha256 ${uploaded.sha256})`);
    return verifyDatabaseBackup({
      containers: this.o.containers,
      storage,
      object: { key: row.objectKey, sha256: uploaded.sha256 },
      engine,
      credentials,
      image: db.image,
      labels: { 'berth.backup': row.id },
      ...(signal ? { signal } : {}),
    });
  }

  private async backupVolumeRow(row: BackupRow, storage: ObjectStorage, log: Log, signal?: AbortSignal): Promise<VerificationOutcome> {
    const volume = row.volume!;
    await assertVolumeOfService(this.o.containers, volume, row.serviceId!);
    const restart = row.stopService && row.serviceId && this.o.services ? await this.o.services.stop(row.serviceId, signal) : undefined;
    let uploaded;
    try {
      if (restart) await log('service stopped for a consistent copy');
      uploaded = await backupVolume({ containers: this.o.containers, storage, volume, toolsImage: this.o.toolsImage, labels: { 'berth.backup': row.id }, key: row.objectKey, ...(signal ? { signal } : {}) });
    } finally {
      if (restart) await restart();
    }
    await this.update(row, { sizeBytes: uploaded.sizeBytes, sha256: uploaded.sha256, status: 'verifying' });
    await log(`uploaded a tar of volume ${volume}: ${uploaded.sizeBytes} bytes (sha256 ${uploaded.sha256})`);
    return verifyVolumeBackup({ containers: this.o.containers, storage, object: { key: row.objectKey, sha256: uploaded.sha256 }, toolsImage: this.o.toolsImage, labels: { 'berth.backup': row.id }, ...(signal ? { signal } : {}) });
  }

  /**
   * Verifies a stored backup again (the object may have rotted since): the same restore-and-check as
   * after the upload, against the SHA-256 recorded then. A failure marks the backup failed.
   */
  async reverify(backupId: string, ctx?: Pick<JobContext, 'log' | 'signal'>): Promise<{ status: BackupStatus; verification: VerificationStatus }> {
    const row = await this.row(backupId);
    const log = ctx?.log ?? quiet;
    const signal = ctx?.signal;
    if (!row.sha256 || row.objectDeletedAt) throw new Invalid([{ path: 'backup', message: 'the backup has no stored object to verify' }]);
    const storage = await this.o.destinations.storage(row.destinationId);
    let result: { status: BackupStatus; verification: VerificationStatus };
    try {
      await this.update(row, { status: 'verifying' });
      const object = { key: row.objectKey, sha256: row.sha256 };
      const labels = { 'berth.backup': row.id };
      let outcome: VerificationOutcome;
      if (row.kind === 'database') {
        const db = await this.o.databases.resolve(row.serviceId!);
        outcome = await verifyDatabaseBackup({ containers: this.o.containers, storage, object, engine: db.engine, credentials: db.credentials, image: row.image ?? db.image, labels, ...(signal ? { signal } : {}) });
      } else {
        outcome = await verifyVolumeBackup({ containers: this.o.containers, storage, object, toolsImage: this.o.toolsImage, labels, ...(signal ? { signal } : {}) });
      }
      result = await this.recordVerification(row, outcome, log);
    } catch (err) {
      await this.update(row, { status: 'failed', error: (err as Error).message, verificationStatus: 'failed' });
      await this.publishFailure(row, (err as Error).message);
      throw err;
    } finally {
      storage.close();
    }
    if (result.status !== 'succeeded') throw new VerificationFailed(row.id, row.error ?? 'verification failed');
    return result;
  }

  private async recordVerification(row: BackupRow, outcome: VerificationOutcome, log: Log): Promise<{ status: BackupStatus; verification: VerificationStatus }> {
    const passed = outcome.passed;
    await this.update(row, {
      status: passed ? 'succeeded' : 'failed',
      verificationStatus: passed ? 'passed' : 'failed',
      verificationReport: outcome.report,
      verificationMs: outcome.durationMs,
      verifiedAt: new Date(),
      error: passed ? null : `verification failed: ${outcome.error}`,
      finishedAt: row.finishedAt ?? new Date(),
    });
    await log(passed ? `verified in ${outcome.durationMs} ms` : `verification failed after ${outcome.durationMs} ms: ${outcome.error}`);
    if (!passed) await this.publishFailure(row, `verification failed: ${outcome.error}`);
    return { status: passed ? 'succeeded' : 'failed', verification: passed ? 'passed' : 'failed' };
  }

  /** Deletes the objects a schedule's retention no longer keeps and marks their rows. */
  async applyRetention(scheduleId: string, log: Log = quiet): Promise<string[]> {
    const [schedule] = await this.o.db.select().from(backupSchedules).where(eq(backupSchedules.id, scheduleId));
    if (!schedule || (!schedule.keepCount && !schedule.keepDays)) return [];
    const rows = await this.o.db
      .select()
      .from(backups)
      .where(and(eq(backups.scheduleId, scheduleId), inArray(backups.status, ['succeeded', 'failed']), isNull(backups.objectDeletedAt), isNotNull(backups.finishedAt)))
      .orderBy(desc(backups.createdAt));
    const drop = planRetention(
      rows.map((r) => ({ id: r.id, status: r.status as 'succeeded' | 'failed', createdAt: r.createdAt })),
      { keepCount: schedule.keepCount, keepDays: schedule.keepDays },
      new Date(),
    );
    if (!drop.length) return [];
    const storage = await this.o.destinations.storage(schedule.destinationId);
    try {
      const doomed = rows.filter((r) => drop.includes(r.id));
      await storage.delete(doomed.map((r) => r.objectKey));
      await this.o.db.update(backups).set({ objectDeletedAt: new Date() }).where(inArray(backups.id, drop));
      await log(`retention removed ${drop.length} backup(s)`);
      return drop;
    } finally {
      storage.close();
    }
  }

  // ---- restore ----

  /** The restore job's handler: safety backup of the target, then the backup streamed into it. */
  async restore(restoreId: string, ctx?: Pick<JobContext, 'log' | 'signal'>): Promise<{ status: 'succeeded'; safetyBackupId: string | null }> {
    const log = ctx?.log ?? quiet;
    const signal = ctx?.signal;
    const [restore] = await this.o.db.select().from(backupRestores).where(eq(backupRestores.id, restoreId));
    if (!restore) throw new NotFound(`restore ${restoreId} not found`);
    await this.o.db.update(backupRestores).set({ status: 'running' }).where(eq(backupRestores.id, restoreId));
    let storage: ObjectStorage | undefined;
    try {
      const backup = await this.row(restore.backupId);
      if (backup.status !== 'succeeded' || !backup.sha256 || backup.objectDeletedAt) throw new Invalid([{ path: 'backup', message: 'only a verified backup whose object is still stored can be restored' }]);
      const targetId = restore.targetServiceId!;
      storage = await this.o.destinations.storage(backup.destinationId);
      const object = { key: backup.objectKey, sha256: backup.sha256 };
      if (backup.kind === 'database') {
        const target = await this.o.databases.resolve(targetId);
        assertSameEngine(backup, target);
        const safety = await this.safetyBackup({ serviceId: targetId, orgId: restore.orgId, destinationId: backup.destinationId, kind: 'database', volume: null }, ctx);
        await this.o.db.update(backupRestores).set({ safetyBackupId: safety }).where(eq(backupRestores.id, restoreId));
        await log(`restoring backup ${backup.id} into ${target.engine.label}`);
        await restoreDump({ containers: this.o.containers, containerId: target.containerId, engine: target.engine, credentials: target.credentials, storage, object, ...(signal ? { signal } : {}) });
      } else {
        const volume = backup.volume!;
        await assertVolumeOfService(this.o.containers, volume, targetId);
        const safety = await this.safetyBackup({ serviceId: targetId, orgId: restore.orgId, destinationId: backup.destinationId, kind: 'volume', volume }, ctx);
        await this.o.db.update(backupRestores).set({ safetyBackupId: safety }).where(eq(backupRestores.id, restoreId));
        const restart = this.o.services ? await this.o.services.stop(targetId, signal) : undefined;
        try {
          await restoreVolume({ containers: this.o.containers, storage, volume, toolsImage: this.o.toolsImage, labels: { 'berth.restore': restoreId }, object, ...(signal ? { signal } : {}) });
        } finally {
          if (restart) await restart();
        }
      }
      await this.o.db.update(backupRestores).set({ status: 'succeeded', finishedAt: new Date(), error: null }).where(eq(backupRestores.id, restoreId));
      await log('restore finished');
      const [done] = await this.o.db.select({ safety: backupRestores.safetyBackupId }).from(backupRestores).where(eq(backupRestores.id, restoreId));
      return { status: 'succeeded', safetyBackupId: done?.safety ?? null };
    } catch (err) {
      await this.o.db.update(backupRestores).set({ status: 'failed', finishedAt: new Date(), error: (err as Error).message }).where(eq(backupRestores.id, restoreId));
      await log(`restore failed: ${(err as Error).message}`);
      throw err;
    } finally {
      storage?.close();
    }
  }

  /**
   * A backup taken inline (inside the caller's job: a restore, a version change) before something
   * replaces the data. Throws when it fails or does not verify: the caller must not go on.
   */
  async safetyBackup(
    o: { serviceId: string; orgId: string; destinationId: string; kind: 'database' | 'volume'; volume: string | null },
    ctx?: Pick<JobContext, 'log' | 'signal'>,
  ): Promise<string> {
    const id = crypto.randomUUID();
    const at = new Date();
    let engine: string | null = null;
    if (o.kind === 'database') engine = (await this.o.databases.resolve(o.serviceId)).engine.id;
    await this.o.db.insert(backups).values({
      id,
      orgId: o.orgId,
      serviceId: o.serviceId,
      destinationId: o.destinationId,
      kind: o.kind,
      volume: o.volume,
      trigger: 'safety',
      objectKey: objectKey({ serviceId: o.serviceId, kind: o.kind, volume: o.volume, backupId: id, at, engine }),
      createdAt: at,
    });
    await ctx?.log?.(`safety backup ${id} first`);
    try {
      await this.run(id, ctx);
    } catch (err) {
      throw new Error(`the safety backup ${id} failed, so nothing was changed: ${(err as Error).message}`, { cause: err });
    }
    return id;
  }

  // ---- plumbing ----

  private async row(id: string): Promise<BackupRow> {
    const [row] = await this.o.db.select().from(backups).where(eq(backups.id, id));
    if (!row) throw new NotFound(`backup ${id} not found`);
    return row;
  }

  private async update(row: BackupRow, set: Partial<typeof backups.$inferInsert>): Promise<void> {
    await this.o.db.update(backups).set(set).where(eq(backups.id, row.id));
    Object.assign(row, set);
    if (set.status) {
      await this.o.bus
        .publish(BACKUP_STATE_TOPIC, { backupId: row.id, serviceId: row.serviceId, orgId: row.orgId, status: row.status, verification: row.verificationStatus })
        .catch(() => undefined);
    }
  }

  private async publishFailure(row: BackupRow, error: string): Promise<void> {
    await this.o.bus.publish(BACKUP_FAILED_TOPIC, { backupId: row.id, serviceId: row.serviceId, orgId: row.orgId, trigger: row.trigger, error }).catch(() => undefined);
  }
}

/** A backup that did not verify: its row says why (status failed) and `backup.failed` was published. */
export class VerificationFailed extends Error {
  constructor(
    readonly backupId: string,
    message: string,
  ) {
    super(message);
    this.name = 'VerificationFailed';
  }
}

/** A dump only loads into the engine that wrote it. */
export function assertSameEngine(backup: { engine: string | null; kind: string }, target: Pick<DatabaseSubject, 'engine'>): void {
  if (backup.kind !== 'database') return;
  if (backup.engine !== target.engine.id) {
    throw new Invalid([{ path: 'body/target', message: `this is a ${backup.engine ?? 'unknown'} backup; the target is a ${target.engine.label} database` }]);
  }
}

/** A volume backup or restore only touches a Berth volume labelled with the service's own id. */
export async function assertVolumeOfService(containers: ContainerGateway, volume: string, serviceId: string): Promise<void> {
  const info = await containers.requireManagedVolume(volume).catch((err: unknown) => {
    if (err instanceof Invalid) throw err;
    throw new Invalid([{ path: 'body/volume', message: `volume "${volume}" not found` }], { cause: err });
  });
  if (info.labels['berth.service'] !== serviceId) throw new Invalid([{ path: 'body/volume', message: `volume "${volume}" does not belong to this service` }]);
}
