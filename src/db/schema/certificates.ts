// Drizzle view of migrations/0006_certificates.sql and 0009_https.sql: the installation's ACME account per directory,
// pending HTTP-01 answers, and certificates per host. `*_sealed` columns hold SecretBox output only
// (see core/certificates/certificates.ts).
import { sql } from 'drizzle-orm';
import { boolean, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const acmeAccounts = pgTable('acme_accounts', {
  directoryUrl: text('directory_url').primaryKey(),
  keySealed: text('key_sealed').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const acmeChallenges = pgTable('acme_challenges', {
  token: text('token').primaryKey(),
  keyAuthorization: text('key_authorization').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

export type CertificateStatus = 'pending' | 'valid' | 'renewing' | 'failed';

export const certificates = pgTable('certificates', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  host: text('host').notNull().unique(),
  hosts: text('hosts').array().notNull(),
  source: text('source').$type<'acme' | 'custom'>().notNull().default('acme'),
  status: text('status').$type<CertificateStatus>().notNull().default('pending'),
  chainPem: text('chain_pem'),
  keySealed: text('key_sealed'),
  notBefore: ts('not_before'),
  notAfter: ts('not_after'),
  lastError: text('last_error'),
  failures: integer('failures').notNull().default(0),
  nextAttemptAt: ts('next_attempt_at'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Per-host HTTPS choices (0009); a host without a row: HTTPS on, HTTP redirected, no HSTS. */
export const hostTlsSettings = pgTable('host_tls_settings', {
  host: text('host').primaryKey(),
  https: boolean('https').notNull().default(true),
  redirectHttp: boolean('redirect_http').notNull().default(true),
  hstsMaxAge: integer('hsts_max_age'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
