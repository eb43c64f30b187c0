// Per-host HTTPS choices (host_tls_settings): HTTPS on/off, the HTTP→HTTPS redirect, HSTS. A host without a
// row uses the defaults (HTTPS on, redirect on once a certificate is valid, no HSTS); a row equal to the
// defaults is deleted, so the table only holds what someone changed.
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { hostTlsSettings as table } from '../../db/schema/index.ts';
import type { HostTls } from '../../plan/routes.ts';

export interface HostTlsChoice {
  https: boolean;
  redirectHttp: boolean;
  hstsMaxAge: number | null;
}

export const DEFAULT_HOST_TLS: HostTlsChoice = { https: true, redirectHttp: true, hstsMaxAge: null };

/** The choices for each host (defaults for hosts without a row). */
export async function hostTlsSettings(db: Db, hosts: readonly string[]): Promise<Map<string, HostTlsChoice>> {
  const rows = hosts.length ? await db.select().from(table).where(inArray(table.host, [...hosts])) : [];
  const byHost = new Map(rows.map((r) => [r.host, { https: r.https, redirectHttp: r.redirectHttp, hstsMaxAge: r.hstsMaxAge }]));
  return new Map(hosts.map((h) => [h, byHost.get(h) ?? { ...DEFAULT_HOST_TLS }]));
}

/** Changes some choices of a host; returns them all. */
export async function setHostTlsSettings(db: Db, host: string, patch: Partial<HostTlsChoice>): Promise<HostTlsChoice> {
  const current = (await hostTlsSettings(db, [host])).get(host)!;
  const next: HostTlsChoice = {
    https: patch.https ?? current.https,
    redirectHttp: patch.redirectHttp ?? current.redirectHttp,
    hstsMaxAge: patch.hstsMaxAge === undefined ? current.hstsMaxAge : patch.hstsMaxAge,
  };
  if (next.https && next.redirectHttp && next.hstsMaxAge === null) {
    await db.delete(table).where(inArray(table.host, [host]));
  } else {
    await db.execute(sql`INSERT INTO host_tls_settings (host, https, redirect_http, hsts_max_age) VALUES (${host}, ${next.https}, ${next.redirectHttp}, ${next.hstsMaxAge})
      ON CONFLICT (host) DO UPDATE SET https = EXCLUDED.https, redirect_http = EXCLUDED.redirect_http, hsts_max_age = EXCLUDED.hsts_max_age, updated_at = now()`);
  }
  return next;
}

/** Every stored choice, for the route planner (planRoutes({ hostTls })). */
export async function plannedHostTls(db: Db): Promise<HostTls[]> {
  const rows = await db.select().from(table).orderBy(table.host);
  return rows.map((r) => ({ host: r.host, https: r.https, redirectHttp: r.redirectHttp, ...(r.hstsMaxAge !== null ? { hstsMaxAge: r.hstsMaxAge } : {}) }));
}

/** Forgets a host's choices (its last domain was removed). */
export async function deleteHostTlsSettings(db: Db, host: string): Promise<void> {
  await db.delete(table).where(inArray(table.host, [host]));
}
