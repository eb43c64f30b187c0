// Instance-wide settings stored in the `settings` table (one JSON value per key). A change of the base
// domain drops the old base's wildcard certificate and, with HTTPS enabled and an installation DNS
// provider covering the new base, queues the new one.
import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { certificates, settings } from '../../db/schema/index.ts';
import { inZone } from '../../infra/dns01/provider.ts';
import { listDnsProviders } from '../dns-providers/dns-providers.ts';

/** A DNS name: labels of the DNS-label pattern joined by dots, at most 253 characters. */
export const hostname = z
  .string()
  .max(253)
  .transform((v) => v.toLowerCase())
  .pipe(z.string().regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'expected a DNS name such as example.com'));

export const instanceSettingsSchema = z.object({
  domain: hostname.nullable().describe('base domain: web services get <service>-<project>.<domain>'),
  acmeEmail: z.email().max(254).nullable().describe("contact address of the ACME account; set (POST /api/ssl), Berth issues certificates for routed hosts"),
  acmeDirectory: z
    .union([z.enum(['letsencrypt', 'letsencrypt-staging']), z.url({ protocol: /^https$/ }).max(2048)])
    .nullable()
    .describe('ACME directory: letsencrypt, letsencrypt-staging or an https directory URL; null: BERTH_ACME_DIRECTORY'),
});
export type InstanceSettings = z.infer<typeof instanceSettingsSchema>;
/** The response shape (no transforms: responses are encoded, not parsed). */
export const instanceSettingsOut = z.object({ domain: z.string().nullable(), acmeEmail: z.string().nullable(), acmeDirectory: z.string().nullable() });

const KEYS = Object.keys(instanceSettingsSchema.shape) as (keyof InstanceSettings)[];

export async function getInstanceSettings(db: Db): Promise<InstanceSettings> {
  const rows = await db.select().from(settings).where(inArray(settings.key, KEYS));
  const found = Object.fromEntries(rows.map((r) => [r.key, r.value]));
  return {
    domain: (found.domain as string | undefined) ?? null,
    acmeEmail: (found.acmeEmail as string | undefined) ?? null,
    acmeDirectory: (found.acmeDirectory as InstanceSettings['acmeDirectory'] | undefined) ?? null,
  };
}

/** What a settings change may set off besides the rows (PATCH /api/settings wires Certificates.enqueue). */
export interface SettingsEffects {
  /** Queues issuance of a certificate when HTTPS is enabled; whether it did. */
  enqueueCertificate(host: string): Promise<boolean>;
}

export async function updateInstanceSettings(db: Db, patch: Partial<InstanceSettings>, effects?: SettingsEffects): Promise<InstanceSettings> {
  const previousBase = 'domain' in patch ? (await getInstanceSettings(db)).domain : undefined;
  await db.transaction(async (tx) => {
    for (const key of KEYS) {
      if (!(key in patch)) continue;
      const value = patch[key];
      if (value === null || value === undefined) {
        await tx.delete(settings).where(inArray(settings.key, [key]));
      } else {
        await tx.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
      }
    }
    // The automatic hosts moved with the base: the old base's wildcard serves nothing any more.
    if (previousBase && patch.domain !== previousBase) await tx.delete(certificates).where(eq(certificates.host, `*.${previousBase}`));
  });
  const updated = await getInstanceSettings(db);
  // Queued before the renewal loop's next pass, which then leaves the hosts the wildcard covers to it.
  if (effects && 'domain' in patch && updated.domain && updated.domain !== previousBase && updated.acmeEmail) {
    const base = updated.domain;
    if ((await listDnsProviders(db, null)).some((p) => inZone(base, p.zone))) await effects.enqueueCertificate(`*.${base}`);
  }
  return updated;
}
