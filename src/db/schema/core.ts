// Drizzle view of migrations/0001_core.sql. The SQL files are the source of truth;
// db/schema.test.ts checks that every column declared here exists in a migrated database.
import { sql } from 'drizzle-orm';
import { bigserial, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const users = pgTable('users', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  name: text('name').notNull(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  isInstanceAdmin: boolean('is_instance_admin').notNull().default(false),
  createdAt: createdAt(),
});

export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

export type Role = 'owner' | 'admin' | 'member';

export const memberships = pgTable(
  'memberships',
  {
    orgId: uuid('org_id').notNull(),
    userId: uuid('user_id').notNull(),
    role: text('role').$type<Role>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] })],
);

export const sessions = pgTable('sessions', {
  tokenHash: text('token_hash').primaryKey(),
  userId: uuid('user_id').notNull(),
  csrfTokenHash: text('csrf_token_hash').notNull(),
  ip: text('ip'),
  userAgent: text('user_agent'),
  createdAt: createdAt(),
  expiresAt: ts('expires_at').notNull(),
});

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  userId: uuid('user_id').notNull(),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  keyHash: text('key_hash').notNull(),
  createdAt: createdAt(),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
});

export type ActorKind = 'session' | 'api_key' | 'setup_token' | 'system' | 'webhook';

export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: ts('at').notNull().defaultNow(),
  actorUserId: uuid('actor_user_id'),
  actorKind: text('actor_kind').$type<ActorKind>().notNull(),
  apiKeyId: uuid('api_key_id'),
  orgId: uuid('org_id'),
  action: text('action').notNull(),
  target: text('target'),
  status: integer('status'),
  ip: text('ip'),
  userAgent: text('user_agent'),
  details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
});

export const projects = pgTable('projects', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  orgId: uuid('org_id').notNull(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  createdAt: createdAt(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type EnvironmentKind = 'production' | 'staging' | 'development' | 'custom';

export const environments = pgTable('environments', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  projectId: uuid('project_id').notNull(),
  name: text('name').notNull(),
  kind: text('kind').$type<EnvironmentKind>().notNull(),
  createdAt: createdAt(),
});

export const services = pgTable('services', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  environmentId: uuid('environment_id').notNull(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  currentDeploymentId: uuid('current_deployment_id'),
});

export const serviceEnvVars = pgTable(
  'service_env_vars',
  {
    serviceId: uuid('service_id').notNull(),
    key: text('key').notNull(),
    value: text('value'),
    valueSealed: text('value_sealed'),
    isSecret: boolean('is_secret').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.key] })],
);

export const domains = pgTable('domains', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  orgId: uuid('org_id').notNull(),
  serviceId: uuid('service_id').notNull(),
  host: text('host').notNull(),
  pathPrefix: text('path_prefix').notNull().default('/'),
  port: integer('port').notNull(),
  createdAt: createdAt(),
});

export type DeploymentStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const deployments = pgTable('deployments', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  serviceId: uuid('service_id').notNull(),
  status: text('status').$type<DeploymentStatus>().notNull(),
  trigger: text('trigger').notNull().default('manual'),
  reason: text('reason'),
  commitSha: text('commit_sha'),
  commitMessage: text('commit_message'),
  commitAuthor: text('commit_author'),
  image: text('image'),
  createdAt: createdAt(),
  startedAt: ts('started_at'),
  finishedAt: ts('finished_at'),
  jobId: uuid('job_id'),
  kind: text('kind').$type<'deploy' | 'rollback'>().notNull().default('deploy'),
  rollbackOf: uuid('rollback_of'),
  imageId: text('image_id'),
  releaseName: text('release_name'),
  steps: jsonb('steps').$type<Record<string, number>>().notNull().default({}),
  /** The uploaded source archive of an archive deploy (removed once built). */
  archivePath: text('archive_path'),
});

export const serviceWebhooks = pgTable('service_webhooks', {
  serviceId: uuid('service_id').primaryKey(),
  tokenHash: text('token_hash').notNull(),
  tokenSealed: text('token_sealed').notNull(),
  secretSealed: text('secret_sealed').notNull(),
  watchPaths: text('watch_paths').array().notNull().default([]),
  createdAt: createdAt(),
  lastDeliveryAt: ts('last_delivery_at'),
});
