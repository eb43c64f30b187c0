// DNS-01 provider configuration (issue 6): per installation (orgId null — the base domain's wildcard
// certificate uses these) or per organisation. Input is validated strictly per type; the secret fields
// (TSIG secret, Cloudflare token, AWS secret key) are sealed together with the SecretBox, bound to the row,
// and never returned: a view says which provider, which zone, and the non-secret settings only.
// Must never log or return an opened secret except to createDns01Provider.
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { dnsProviders, type DnsProviderType } from '../../db/schema/dns-providers.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import { createDns01Provider, inZone, type Dns01Provider } from '../../infra/dns01/index.ts';
import { hostnameSchema, UPSTREAM_NAME } from '../../plan/routes.ts';
import { isUniqueViolation } from '../db-errors.ts';
import { Conflict, NotFound } from '../errors.ts';
import { resourceName } from '../names.ts';

const credentialsAad = (id: string) => `dns_providers/${id}/credentials_sealed`;

/** `host` or `host:port`: a hostname or IPv4 address (IPv6 in brackets), port 1-65535. */
const DNS_SERVER = /^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|\[[0-9a-f:.]{2,45}\])(?::(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A string field whose absence is reported as "required: <what>" rather than a type mismatch. */
const field = (what: string) => z.string({ error: (issue) => (issue.input === undefined ? `required: ${what}` : `expected ${what}`) });

const common = {
  name: resourceName,
  /** The zone the provider may change: `_acme-challenge` records of names inside it. */
  zone: hostnameSchema,
};

const rfc2136Input = z
  .object({
    type: z.literal('rfc2136'),
    ...common,
    server: field('the primary server as host or host:port').max(300).regex(DNS_SERVER, 'expected the primary server as host or host:port (e.g. ns1.example.com:53 or 192.0.2.53)'),
    keyName: field('the TSIG key name').max(253).regex(UPSTREAM_NAME, 'expected the TSIG key name: lowercase DNS labels separated by dots'),
    keySecret: field('the base64 TSIG secret')
      .min(16, 'expected the base64 TSIG secret (tsig-keygen -a hmac-sha256 prints it)')
      .max(512)
      .regex(BASE64, 'expected the base64 TSIG secret (tsig-keygen -a hmac-sha256 prints it)'),
    algorithm: z.literal('hmac-sha256').default('hmac-sha256'),
    transport: z.enum(['udp', 'tcp']).default('udp'),
  })
  .strict();

const cloudflareInput = z
  .object({
    type: z.literal('cloudflare'),
    ...common,
    apiToken: field('a Cloudflare API token').regex(/^[A-Za-z0-9_-]{20,200}$/, 'expected a Cloudflare API token (Zone → DNS → Edit)'),
    zoneId: z.string().regex(/^[0-9a-f]{32}$/, 'expected the 32-character zone id from the Cloudflare dashboard').optional(),
  })
  .strict();

const route53Input = z
  .object({
    type: z.literal('route53'),
    ...common,
    accessKeyId: field('an AWS access key id').regex(/^[A-Z0-9]{16,128}$/, 'expected an AWS access key id (AKIA…)'),
    secretAccessKey: field('the AWS secret access key').regex(/^[A-Za-z0-9/+=]{40}$/, 'expected the 40-character AWS secret access key'),
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,32}$/, 'expected a hosted zone id (Z…)').optional(),
    region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1').optional(),
  })
  .strict();

export const dnsProviderInputSchema = z.discriminatedUnion('type', [rfc2136Input, cloudflareInput, route53Input]);
export type DnsProviderInput = z.infer<typeof dnsProviderInputSchema>;

/** Which input fields are secret, per type (sealed; never returned). */
const SECRET_FIELDS: Record<DnsProviderType, readonly string[]> = {
  rfc2136: ['keySecret'],
  cloudflare: ['apiToken'],
  route53: ['secretAccessKey'],
};

export interface DnsProviderView {
  id: string;
  name: string;
  type: DnsProviderType;
  zone: string;
  /** Non-secret settings (server, keyName, transport / zoneId / hostedZoneId, region, accessKeyId). */
  settings: Record<string, string | number>;
  createdAt: Date;
}

const scopeOf = (orgId: string | null): SQL => (orgId === null ? isNull(dnsProviders.orgId) : eq(dnsProviders.orgId, orgId));

function toView(row: typeof dnsProviders.$inferSelect): DnsProviderView {
  return { id: row.id, name: row.name, type: row.type, zone: row.zone, settings: row.settings, createdAt: row.createdAt };
}

export async function addDnsProvider(db: Db, box: SecretBox, opts: { orgId: string | null; input: DnsProviderInput }): Promise<DnsProviderView> {
  const { type, name, zone, ...rest } = opts.input;
  const secretNames = SECRET_FIELDS[type];
  const fields = rest as Record<string, string | undefined>;
  const secrets = Object.fromEntries(secretNames.map((k) => [k, fields[k]!]));
  const settings = Object.fromEntries(Object.entries(fields).filter(([k, v]) => !secretNames.includes(k) && v !== undefined)) as Record<string, string>;
  const id = randomUUID();
  try {
    const [row] = await db
      .insert(dnsProviders)
      .values({ id, orgId: opts.orgId, name, type, zone, settings, credentialsSealed: box.seal(JSON.stringify(secrets), credentialsAad(id)) })
      .returning();
    return toView(row!);
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`a DNS provider named ${name} already exists`, { cause: err });
    throw err;
  }
}

export async function listDnsProviders(db: Db, orgId: string | null): Promise<DnsProviderView[]> {
  return (await db.select().from(dnsProviders).where(scopeOf(orgId)).orderBy(dnsProviders.name)).map(toView);
}

export async function removeDnsProvider(db: Db, opts: { orgId: string | null; id: string }): Promise<void> {
  const gone = await db.delete(dnsProviders).where(and(eq(dnsProviders.id, opts.id), scopeOf(opts.orgId))).returning({ id: dnsProviders.id });
  if (gone.length === 0) throw new NotFound('no such DNS provider');
}

/** The scope's provider for `domain`: the one whose zone covers it most specifically (longest zone). */
export async function dnsProviderFor(db: Db, box: SecretBox, opts: { orgId: string | null; domain: string }): Promise<{ view: DnsProviderView; provider: Dns01Provider } | undefined> {
  const rows = (await db.select().from(dnsProviders).where(scopeOf(opts.orgId)))
    .filter((r) => inZone(opts.domain, r.zone))
    .sort((a, b) => b.zone.length - a.zone.length || (a.name < b.name ? -1 : 1));
  const row = rows[0];
  if (!row) return undefined;
  const secrets = JSON.parse(box.open(row.credentialsSealed, credentialsAad(row.id))) as Record<string, string>;
  return { view: toView(row), provider: createDns01Provider({ type: row.type, zone: row.zone, settings: row.settings, secrets }) };
}
