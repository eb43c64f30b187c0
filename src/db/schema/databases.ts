// Drizzle view of migrations/0007_databases.sql: one row per database service. `*_sealed` columns hold
// SecretBox output only (see core/databases/credentials.ts).
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export type DatabaseDesiredState = 'running' | 'stopped';
export type DatabaseStatus = 'creating' | 'updating' | 'running' | 'stopped' | 'failed' | 'deleting';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const databases = pgTable('databases', {
  serviceId: uuid('service_id').primaryKey(),
  userName: text('user_name').notNull(),
  databaseName: text('database_name').notNull(),
  passwordSealed: text('password_sealed').notNull(),
  rootPasswordSealed: text('root_password_sealed'),
  desiredState: text('desired_state').$type<DatabaseDesiredState>().notNull().default('running'),
  status: text('status').$type<DatabaseStatus>().notNull().default('creating'),
  lastError: text('last_error'),
  lastJobId: uuid('last_job_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
