// Drizzle view of migrations/0010_dns_providers.sql: DNS-01 providers per installation (orgId null) or
// organisation. `credentialsSealed` holds SecretBox output only (see core/dns-providers/dns-providers.ts).
import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export type DnsProviderType = 'rfc2136' | 'cloudflare' | 'route53';

export const dnsProviders = pgTable('dns_providers', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  orgId: uuid('org_id'),
  name: text('name').notNull(),
  type: text('type').$type<DnsProviderType>().notNull(),
  zone: text('zone').notNull(),
  settings: jsonb('settings').$type<Record<string, string | number>>().notNull().default({}),
  credentialsSealed: text('credentials_sealed').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
