// Drizzle view of migrations/0011_teardown.sql: ids of services and projects Berth deleted, which the
// orphan sweep may clean up after in Docker (core/teardown).
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const deletedResources = pgTable('deleted_resources', {
  id: uuid('id').primaryKey(),
  kind: text('kind').$type<'service' | 'project'>().notNull(),
  deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
