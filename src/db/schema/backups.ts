// Drizzle view of migrations/0008_backups.sql: destinations (keys sealed, bound to the row), schedules
// (next run time stored: durable across restarts and replicas), backups and restores.
import { sql } from 'drizzle-orm';
import { bigint, boolean, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export type BackupKind = 'database' | 'volume';
export type BackupTrigger = 'manual' | 'schedule' | 'safety';
export type BackupStatus = 'queued' | 'running' | 'verifying' | 'succeeded' | 'failed';
export type VerificationStatus = 'pending' | 'passed' | 'failed' | 'skipped';
export type RestoreStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export const backupDestinations = pgTable('backup_destinations', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  orgId: uuid('org_id').notNull(),
  name: text('name').notNull(),
  endpoint: text('endpoint'),
  region: text('region').notNull(),
  bucket: text('bucket').notNull(),
  prefix: text('prefix').notNull().default(''),
  forcePathStyle: boolean('force_path_style').notNull().default(false),
  accessKeyIdSealed: text('access_key_id_sealed').notNull(),
  secretAccessKeySealed: text('secret_access_key_sealed').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const backupSchedules = pgTable('backup_schedules', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  orgId: uuid('org_id').notNull(),
  serviceId: uuid('service_id').notNull(),
  destinationId: uuid('destination_id').notNull(),
  kind: text('kind').$type<BackupKind>().notNull(),
  volume: text('volume'),
  stopService: boolean('stop_service').notNull().default(false),
  cron: text('cron').notNull(),
  timezone: text('timezone').notNull().default('UTC'),
  keepCount: integer('keep_count'),
  keepDays: integer('keep_days'),
  enabled: boolean('enabled').notNull().default(true),
  nextRunAt: ts('next_run_at'),
  lastRunAt: ts('last_run_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const backups = pgTable('backups', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  orgId: uuid('org_id').notNull(),
  serviceId: uuid('service_id'),
  destinationId: uuid('destination_id').notNull(),
  scheduleId: uuid('schedule_id'),
  kind: text('kind').$type<BackupKind>().notNull(),
  volume: text('volume'),
  stopService: boolean('stop_service').notNull().default(false),
  trigger: text('trigger').$type<BackupTrigger>().notNull(),
  engine: text('engine'),
  engineVersion: text('engine_version'),
  image: text('image'),
  objectKey: text('object_key').notNull(),
  status: text('status').$type<BackupStatus>().notNull().default('queued'),
  error: text('error'),
  sizeBytes: bigint('size_bytes', { mode: 'number' }),
  sha256: text('sha256'),
  verificationStatus: text('verification_status').$type<VerificationStatus>().notNull().default('pending'),
  verificationReport: jsonb('verification_report').$type<unknown>(),
  verificationMs: integer('verification_ms'),
  verifiedAt: ts('verified_at'),
  jobId: uuid('job_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
  startedAt: ts('started_at'),
  finishedAt: ts('finished_at'),
  objectDeletedAt: ts('object_deleted_at'),
});

export const backupRestores = pgTable('backup_restores', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  orgId: uuid('org_id').notNull(),
  backupId: uuid('backup_id').notNull(),
  targetServiceId: uuid('target_service_id'),
  status: text('status').$type<RestoreStatus>().notNull().default('queued'),
  safetyBackupId: uuid('safety_backup_id'),
  error: text('error'),
  jobId: uuid('job_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
  finishedAt: ts('finished_at'),
});
