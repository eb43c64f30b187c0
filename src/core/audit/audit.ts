// The audit log: one row per mutation (who, what, when, from where). Written by the API's access
// layer for every successful mutating request, and by jobs/webhooks as the `system`/`webhook` actor.
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { auditLog, type ActorKind } from '../../db/schema/index.ts';

export interface AuditEntry {
  actorKind: ActorKind;
  actorUserId?: string | null;
  apiKeyId?: string | null;
  orgId?: string | null;
  action: string;
  target?: string | null;
  status?: number;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Db, e: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorKind: e.actorKind,
    actorUserId: e.actorUserId ?? null,
    apiKeyId: e.apiKeyId ?? null,
    orgId: e.orgId ?? null,
    action: e.action,
    target: e.target ?? null,
    status: e.status ?? null,
    ip: e.ip ?? null,
    userAgent: e.userAgent?.slice(0, 300) ?? null,
    details: e.details ?? {},
  });
}

export async function listAudit(db: Db, opts: { orgId: string; limit: number; before?: number | undefined }) {
  return db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.orgId, opts.orgId), opts.before ? lt(auditLog.id, opts.before) : undefined))
    .orderBy(desc(auditLog.id))
    .limit(opts.limit);
}
