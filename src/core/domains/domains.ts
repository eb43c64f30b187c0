// Domains: host (+ path prefix) → a service's port. Hosts are validated DNS names; a host + path already
// routed anywhere gets 409 (the routing table is global). With a base domain set, every web service
// (one with a port) also answers on `<service>-<project>.<base>` (production; other environments add
// `-<environment>`) — derived, not stored.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { domains } from '../../db/schema/index.ts';
import { Conflict, Invalid, NotFound } from '../errors.ts';
import { isUniqueViolation } from '../db-errors.ts';
import { hostname } from '../system/settings.ts';
import { hasDotDotSegment } from '../names.ts';

export const pathPrefix = z
  .string()
  .max(200)
  // No nested quantifiers: every repetition ends with a "/", so matching is linear.
  .regex(/^\/(?:[A-Za-z0-9._~-]+\/)*[A-Za-z0-9._~-]*$/, 'expected a path prefix such as / or /api')
  .refine((v) => !hasDotDotSegment(v), 'must not contain "." or ".." segments')
  .refine((v) => !v.split('/').includes('.'), 'must not contain "." or ".." segments')
  .default('/');

export const newDomainSchema = z.object({
  host: hostname,
  pathPrefix,
  port: z.number().int().min(1).max(65535).optional().describe("defaults to the service's port"),
});

export interface DomainView {
  id: string | null;
  host: string;
  pathPrefix: string;
  port: number;
  /** Derived from the base domain; cannot be removed (unset the base domain instead). */
  automatic: boolean;
  createdAt: Date | null;
}

/** `<service>-<project>.<base>` in production; other environments add their name so hosts never clash. */
export function defaultHost(opts: { service: string; project: string; environment: string; baseDomain: string | null }): string | null {
  if (!opts.baseDomain) return null;
  const label = opts.environment === 'production' ? `${opts.service}-${opts.project}` : `${opts.service}-${opts.project}-${opts.environment}`;
  return label.length <= 63 ? `${label}.${opts.baseDomain}` : null;
}

export async function listDomains(db: Db, opts: { serviceId: string; automatic?: DomainView | null }): Promise<DomainView[]> {
  const rows = await db.select().from(domains).where(eq(domains.serviceId, opts.serviceId)).orderBy(domains.host, domains.pathPrefix);
  const stored = rows.map((d) => ({ id: d.id, host: d.host, pathPrefix: d.pathPrefix, port: d.port, automatic: false, createdAt: d.createdAt }));
  return opts.automatic && !stored.some((d) => d.host === opts.automatic!.host) ? [opts.automatic, ...stored] : stored;
}

export async function addDomain(
  db: Db,
  opts: { orgId: string; serviceId: string; servicePort: number | undefined; input: z.infer<typeof newDomainSchema> },
): Promise<DomainView> {
  const port = opts.input.port ?? opts.servicePort;
  if (!port) throw new Invalid([{ path: 'body/port', message: 'the service has no port: give the port requests go to' }]);
  try {
    const [row] = await db
      .insert(domains)
      .values({ orgId: opts.orgId, serviceId: opts.serviceId, host: opts.input.host, pathPrefix: opts.input.pathPrefix, port })
      .returning();
    return { id: row!.id, host: row!.host, pathPrefix: row!.pathPrefix, port: row!.port, automatic: false, createdAt: row!.createdAt };
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`${opts.input.host}${opts.input.pathPrefix === '/' ? '' : opts.input.pathPrefix} is already in use`, { cause: err });
    throw err;
  }
}

export async function removeDomain(db: Db, opts: { serviceId: string; id: string }): Promise<{ host: string }> {
  const [row] = await db.delete(domains).where(and(eq(domains.serviceId, opts.serviceId), eq(domains.id, opts.id))).returning();
  if (!row) throw new NotFound('domain not found');
  return { host: row.host };
}

