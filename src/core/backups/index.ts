// The backups room, assembled: destinations, the runner (what the jobs do), the two job types and the
// use-case facade. compose.ts builds it once; the job types go into the queue's registry and the facade
// gets the queue.
import type pg from 'pg';
import type { Db } from '../../db/client.ts';
import type { EventBus } from '../../infra/bus/bus.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import type { ContainerGateway } from '../../infra/docker/containers.ts';
import type { JobQueue, JobType } from '../../jobs/index.ts';
import { Backups, backupJobType, restoreJobType } from './backups.ts';
import { Destinations } from './destinations.ts';
import { BackupRunner } from './runner.ts';
import type { DatabaseResolver, ServiceControl } from './subjects.ts';

export { Backups, backupRequestSchema, scheduleInputSchema, type BackupView, type RestoreView, type ScheduleView } from './backups.ts';
export { Destinations, destinationInputSchema, type DestinationView } from './destinations.ts';
export { BACKUP_FAILED_TOPIC, BACKUP_STATE_TOPIC, BackupRunner } from './runner.ts';
export { runtimeDatabaseResolver } from './database-resolver.ts';
export { swarmServiceControl } from './service-control.ts';
export { noDatabases, type DatabaseResolver, type DatabaseSubject, type ServiceControl } from './subjects.ts';

export interface BackupsModuleOptions {
  db: Db;
  pool: pg.Pool;
  bus: EventBus;
  secrets: SecretBox;
  containers: ContainerGateway;
  databases: DatabaseResolver;
  services?: ServiceControl;
  toolsImage: string;
}

export interface BackupsModule {
  destinations: Destinations;
  runner: BackupRunner;
  jobTypes: JobType[];
  /** The facade, once the queue (whose registry holds `jobTypes`) exists. */
  attach(queue: JobQueue): Backups;
}

export function backupsModule(o: BackupsModuleOptions): BackupsModule {
  const destinations = new Destinations(o.db, o.secrets);
  const runner = new BackupRunner({ db: o.db, bus: o.bus, destinations, containers: o.containers, databases: o.databases, toolsImage: o.toolsImage, ...(o.services ? { services: o.services } : {}) });
  const backupJob = backupJobType((id, mode, ctx) => (mode === 'verify' ? runner.reverify(id, ctx) : runner.run(id, ctx)));
  const restoreJob = restoreJobType((id, ctx) => runner.restore(id, ctx));
  return {
    destinations,
    runner,
    jobTypes: [backupJob as JobType, restoreJob as JobType],
    attach: (queue) => new Backups({ db: o.db, pool: o.pool, queue, backupJob, restoreJob, destinations, runner, databases: o.databases, containers: o.containers }),
  };
}
