// Source credentials of a service: an SSH deploy key (git sources) and registry credentials (image
// sources). The key and the password are sealed with the SecretBox, bound to their service and column
// (the password also to its server and username, so a row edited in the database cannot send it to
// another registry). Responses only ever say whether they are set; the clear values go to the deploy
// pipeline alone.
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { serviceCredentials } from '../../db/schema/index.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';

const noNul = (v: string) => !v.includes('\0');

// BEGIN and END name the same kind: "OPENSSH PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY".
const PEM_KEY = /^-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----\n([\s\S]+?)\n-----END \1PRIVATE KEY-----$/;

/** Why a (well-framed) key cannot be used unattended, or undefined. Never echoes the key. */
function unusableKey(key: string): string | undefined {
  const m = PEM_KEY.exec(key);
  if (!m) return 'expected an SSH private key: -----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY-----';
  const kind = m[1]!.trim();
  const body = m[2]!;
  if (kind === 'ENCRYPTED' || /^Proc-Type:.*ENCRYPTED/m.test(body)) return 'the key is protected by a passphrase; deploy keys must have none';
  if (kind === 'OPENSSH') {
    const raw = Buffer.from(body.replace(/\s+/g, ''), 'base64');
    const magic = 'openssh-key-v1\0';
    if (raw.subarray(0, magic.length).toString('latin1') !== magic || raw.length < magic.length + 4) return 'not a valid OpenSSH private key';
    const len = raw.readUInt32BE(magic.length);
    const cipher = raw.subarray(magic.length + 4, magic.length + 4 + len).toString('latin1');
    if (cipher !== 'none') return 'the key is protected by a passphrase; deploy keys must have none';
  }
  return undefined;
}

/** Normalised (LF line ends, surrounding blank space dropped, final newline) before it is checked and sealed. */
export const deployKeySchema = z
  .string()
  .max(16384, 'at most 16 KiB')
  .refine(noNul, 'must not contain NUL bytes')
  .transform((v) => v.replace(/\r\n/g, '\n').trim())
  .superRefine((v, c) => {
    const why = unusableKey(v);
    if (why) c.addIssue({ code: 'custom', message: why });
  })
  .transform((v) => `${v}\n`);

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
export const registryServerSchema = z
  .string()
  .max(261)
  .regex(new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::\\d{1,5})?$`), 'expected a registry host name, optionally with :port (e.g. ghcr.io or registry.example.com:5000)')
  .refine((v) => !v.includes(':') || Number(v.split(':')[1]) <= 65535, 'port out of range')
  .transform((v) => v.toLowerCase());

export const registryCredentialsSchema = z.object({
  server: registryServerSchema,
  username: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9._@+$-]+$/, 'letters, digits and . _ @ + $ - only'),
  password: z.string().min(1).max(4096, 'at most 4 KiB').refine(noNul, 'must not contain NUL bytes'),
});
export type RegistryCredentials = z.infer<typeof registryCredentialsSchema>;

export const credentialsInputSchema = z.object({
  deployKey: deployKeySchema.nullable().optional().describe('An SSH private key without passphrase for git sources; null removes it, absent keeps it'),
  registry: registryCredentialsSchema.nullable().optional().describe('Registry credentials for image sources; null removes them, absent keeps them'),
});
export type CredentialsInput = z.infer<typeof credentialsInputSchema>;

export interface CredentialsView {
  deployKey: { set: boolean; updatedAt: Date | null };
  registry: { server: string | null; username: string | null; passwordSet: boolean };
  updatedAt: Date | null;
}

/** The clear values, for the deploy pipeline only (never for a response or a log line). */
export interface OpenedCredentials {
  deployKey?: string;
  registry?: RegistryCredentials;
}

const keyAad = (serviceId: string) => `cred:${serviceId}:deploy_key`;
const passwordAad = (serviceId: string, server: string, username: string) => `cred:${serviceId}:registry_password:${server}:${username}`;

export class SourceCredentials {
  constructor(private readonly box: SecretBox) {}

  async status(db: Db, serviceId: string): Promise<CredentialsView> {
    const [row] = await db.select().from(serviceCredentials).where(eq(serviceCredentials.serviceId, serviceId));
    return {
      deployKey: { set: !!row?.deployKeySealed, updatedAt: row?.deployKeySealed ? row.updatedAt : null },
      registry: { server: row?.registryServer ?? null, username: row?.registryUsername ?? null, passwordSet: !!row?.registryPasswordSealed },
      updatedAt: row?.updatedAt ?? null,
    };
  }

  /** Sets or clears what the input names (null clears, absent keeps); a row left empty is removed. */
  async update(db: Db, serviceId: string, input: CredentialsInput): Promise<CredentialsView> {
    const set: Partial<typeof serviceCredentials.$inferInsert> = {};
    if (input.deployKey !== undefined) set.deployKeySealed = input.deployKey === null ? null : this.box.seal(input.deployKey, keyAad(serviceId));
    if (input.registry !== undefined) {
      const r = input.registry;
      set.registryServer = r?.server ?? null;
      set.registryUsername = r?.username ?? null;
      set.registryPasswordSealed = r ? this.box.seal(r.password, passwordAad(serviceId, r.server, r.username)) : null;
    }
    await db.transaction(async (tx) => {
      if (Object.keys(set).length) {
        const now = new Date();
        await tx
          .insert(serviceCredentials)
          .values({ serviceId, ...set, updatedAt: now })
          .onConflictDoUpdate({ target: serviceCredentials.serviceId, set: { ...set, updatedAt: now } });
      }
      await tx
        .delete(serviceCredentials)
        .where(sql`${serviceCredentials.serviceId} = ${serviceId} AND ${serviceCredentials.deployKeySealed} IS NULL AND ${serviceCredentials.registryPasswordSealed} IS NULL`);
    });
    return this.status(db, serviceId);
  }

  async open(db: Db, serviceId: string): Promise<OpenedCredentials> {
    const [row] = await db.select().from(serviceCredentials).where(eq(serviceCredentials.serviceId, serviceId));
    if (!row) return {};
    const out: OpenedCredentials = {};
    if (row.deployKeySealed) out.deployKey = this.box.open(row.deployKeySealed, keyAad(serviceId));
    if (row.registryPasswordSealed && row.registryServer && row.registryUsername) {
      out.registry = {
        server: row.registryServer,
        username: row.registryUsername,
        password: this.box.open(row.registryPasswordSealed, passwordAad(serviceId, row.registryServer, row.registryUsername)),
      };
    }
    return out;
  }
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** The registry host of an image reference (`nginx:1` → docker.io, `ghcr.io/a/b` → ghcr.io). */
export function imageRegistry(image: string): string {
  const first = image.split('/')[0]!;
  const host = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first.toLowerCase() : 'docker.io';
  return DOCKER_HUB.has(host) ? 'docker.io' : host;
}

/** True when credentials for `server` may be sent to pull `image` (never to another registry). */
export function credentialsApply(server: string, image: string): boolean {
  const s = server.toLowerCase();
  return (DOCKER_HUB.has(s) ? 'docker.io' : s) === imageRegistry(image);
}
