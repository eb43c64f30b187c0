// Drizzle view of migrations/0005_source_credentials.sql: one row of source credentials per service.
// `*_sealed` columns hold SecretBox output only (see core/services/credentials.ts).
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const serviceCredentials = pgTable('service_credentials', {
  serviceId: uuid('service_id').primaryKey(),
  deployKeySealed: text('deploy_key_sealed'),
  registryUsername: text('registry_username'),
  registryPasswordSealed: text('registry_password_sealed'),
  registryServer: text('registry_server'),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
