// Drizzle view of migrations/0002_jobs.sql (the durable job queue). The SQL file is the source of truth;
// the queue's hot paths (claim, heartbeat, complete, recover) use parameterised SQL in src/jobs/, not this.
import { sql } from 'drizzle-orm';
import { bigint, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export type JobStateValue = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const jobs = pgTable('jobs', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  type: text('type').notNull(),
  payload: jsonb('payload').notNull().default({}),
  serviceId: uuid('service_id'),
  orgId: uuid('org_id'),
  state: text('state').$type<JobStateValue>().notNull().default('queued'),
  attempts: integer('attempts').notNull().default(0),
  maxAttempts: integer('max_attempts').notNull().default(1),
  runAt: ts('run_at').notNull().defaultNow(),
  timeoutSeconds: integer('timeout_seconds').notNull(),
  lockedBy: text('locked_by'),
  leaseExpiresAt: ts('lease_expires_at'),
  lastError: text('last_error'),
  result: jsonb('result'),
  cancelRequestedAt: ts('cancel_requested_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  startedAt: ts('started_at'),
  finishedAt: ts('finished_at'),
  stateVersion: integer('state_version').notNull().default(1),
});

export const jobLogs = pgTable(
  'job_logs',
  {
    jobId: uuid('job_id').notNull(),
    seq: integer('seq').notNull(),
    at: ts('at').notNull().defaultNow(),
    line: text('line').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);
